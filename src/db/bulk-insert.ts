import { CompiledQuery } from 'kysely';
import type { Executor } from './database.js';
import type { Database } from './schema.js';

/**
 * A multi-row `INSERT … ON CONFLICT (id) DO NOTHING` whose SQL is compiled once per row count and
 * reused: building a 500-row insert through Kysely's query builder costs more CPU than the database
 * spends storing it, and the log writer shares the request thread. Values are always bound parameters.
 */
export function createBulkInsert<T extends keyof Database>(
  table: T,
  columns: readonly (keyof Database[T] & string)[],
  rowsPerStatement: number,
) {
  // Keyed by dialect too: one process may hold SQLite and PostgreSQL databases (the tests do).
  const compiled = new Map<string, string>();

  function sqlFor(tx: Executor, rowCount: number): string {
    const key = `${tx.getExecutor().adapter.constructor.name}:${rowCount}`;
    let text = compiled.get(key);
    if (text === undefined) {
      const placeholderRow = Object.fromEntries(columns.map((column) => [column, null]));
      const query = tx
        .insertInto(table)
        .values(Array.from({ length: rowCount }, () => placeholderRow) as never)
        .onConflict((oc) => oc.column('id' as never).doNothing())
        .compile();
      if (query.parameters.length !== rowCount * columns.length) {
        throw new Error(`bulk insert into ${table}: expected one parameter per column and row`);
      }
      text = query.sql;
      compiled.set(key, text);
    }
    return text;
  }

  return async function insert(rows: readonly Database[T][], tx: Executor): Promise<void> {
    for (let i = 0; i < rows.length; i += rowsPerStatement) {
      const chunk = rows.slice(i, i + rowsPerStatement);
      const parameters: unknown[] = [];
      for (const row of chunk) for (const column of columns) parameters.push(row[column]);
      await tx.executeQuery(CompiledQuery.raw(sqlFor(tx, chunk.length), parameters));
    }
  };
}
