import { CompiledQuery, type Compilable } from 'kysely';
import type { Executor } from './database.js';

const PLACEHOLDER = '\u0000km-placeholder-';

/**
 * Builds a query once, with placeholder values, and reuses its compiled SQL for every call, binding
 * the call's values in the placeholders' places. Kysely otherwise rebuilds and recompiles a query on
 * each call, which costs more than the point lookups of the licence API's hot path. Only for queries
 * whose shape never depends on the values (no `$if` on an argument).
 */
export function reusableQuery<Args extends string[], Row>(
  db: Executor,
  arity: Args['length'],
  build: (...placeholders: Args) => Compilable<Row>,
): (...args: Args) => Promise<Row | undefined> {
  const placeholders = Array.from({ length: arity }, (_, i) => `${PLACEHOLDER}${i}`) as Args;
  const compiled = build(...placeholders).compile();
  const positions = compiled.parameters.map((value) =>
    typeof value === 'string' && value.startsWith(PLACEHOLDER) ? Number(value.slice(PLACEHOLDER.length)) : -1,
  );
  if (new Set(positions.filter((p) => p >= 0)).size !== arity) {
    throw new Error('reusableQuery: every placeholder must appear in the query');
  }
  return async (...args) => {
    const parameters = compiled.parameters.map((value, i) => {
      const position = positions[i] ?? -1;
      return position >= 0 ? args[position] : value;
    });
    const result = await db.executeQuery<Row>(CompiledQuery.raw(compiled.sql, parameters));
    return result.rows[0];
  };
}
