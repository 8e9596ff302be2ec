import { sql, type RawBuilder, type SqlBool } from 'kysely';

/** `text` as a LIKE pattern for "contains", ignoring case: its own `%`, `_` and `\` match themselves. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * `value` matches a containsPattern, ignoring case, as one parameterised condition: `lower()` because
 * PostgreSQL's LIKE is case-sensitive and SQLite's is not. No index serves a substring search.
 */
export function matchesPattern(value: RawBuilder<unknown>, pattern: string): RawBuilder<SqlBool> {
  return sql<SqlBool>`lower(${value}) like ${pattern} escape '\\'`;
}

/** A nullable column as text to search, a null being no text. */
export const columnText = (column: string): RawBuilder<unknown> => sql`coalesce(${sql.ref(column)}, '')`;
