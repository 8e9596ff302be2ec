import { Type, type Static } from '@sinclair/typebox';
import { sql, type Expression, type SqlBool } from 'kysely';
import { PaginationQuery } from '../http/pagination.js';

/** A list's page plus `q`: text its rows contain (which columns is the list's to say). */
export const searchablePageQuery = (description: string) =>
  Type.Composite(
    [
      PaginationQuery,
      Type.Object({ q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description })) }),
    ],
    {
      additionalProperties: false,
    },
  );
export type SearchablePageQuery = Static<ReturnType<typeof searchablePageQuery>>;

/** The search text as a LIKE pattern: its own `%`, `_` and `\` match themselves, not anything. */
export function containsPattern(text: string): string {
  return `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * Any of `columns` contains `text`, ignoring case, as one parameterised condition; `lower()` because
 * PostgreSQL's LIKE is case-sensitive and SQLite's is not. No index serves it: lists are paged by id.
 */
export function containsText(columns: readonly string[], text: string): Expression<SqlBool> {
  const pattern = containsPattern(text);
  return sql<SqlBool>`(${sql.join(
    columns.map((column) => sql`lower(coalesce(${sql.ref(column)}, '')) like ${pattern} escape '\\'`),
    sql` or `,
  )})`;
}
