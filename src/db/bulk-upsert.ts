import { CompiledQuery } from 'kysely';
import type { Executor } from './database.js';
import type { Database } from './schema.js';

/**
 * A multi-row `INSERT … ON CONFLICT (keys) DO UPDATE SET c = c + excluded.c` for counters, compiled
 * once per row count and dialect (as createBulkInsert). Values are always bound parameters.
 */
export function createBulkUpsert<T extends keyof Database>(
  table: T,
  keys: readonly (keyof Database[T] & string)[],
  sums: readonly (keyof Database[T] & string)[],
  rowsPerStatement: number,
  /** Columns written by the insert and left as they are by a conflict. */
  others: readonly (keyof Database[T] & string)[] = [],
) {
  const columns = [...keys, ...sums, ...others];
  const compiled = new Map<string, string>();

  function sqlFor(tx: Executor, rowCount: number): string {
    const key = `${tx.getExecutor().adapter.constructor.name}:${rowCount}`;
    let text = compiled.get(key);
    if (text === undefined) {
      const placeholderRow = Object.fromEntries(columns.map((column) => [column, null]));
      text = tx
        .insertInto(table)
        .values(Array.from({ length: rowCount }, () => placeholderRow) as never)
        .onConflict((oc) =>
          oc
            .columns(keys as never)
            .doUpdateSet(
              (eb) =>
                Object.fromEntries(
                  sums.map((column) => [
                    column,
                    eb(eb.ref(`${table}.${column}` as never), '+', eb.ref(`excluded.${column}` as never)),
                  ]),
                ) as never,
            ),
        )
        .compile().sql;
      compiled.set(key, text);
    }
    return text;
  }

  return async function upsert(rows: readonly Record<string, unknown>[], tx: Executor): Promise<void> {
    for (let i = 0; i < rows.length; i += rowsPerStatement) {
      const chunk = rows.slice(i, i + rowsPerStatement);
      const parameters: unknown[] = [];
      for (const row of chunk) for (const column of columns) parameters.push(row[column]);
      await tx.executeQuery(CompiledQuery.raw(sqlFor(tx, chunk.length), parameters));
    }
  };
}
