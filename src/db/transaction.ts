import type { Transaction } from 'kysely';
import type { Executor } from './database.js';
import type { Database } from './schema.js';

/**
 * Runs `fn` in the caller's transaction when there is one, else in a new one. Kysely cannot nest
 * transactions, and on SQLite a query outside an open transaction would wait for it forever.
 */
export function inTransaction<T>(
  executor: Executor,
  fn: (tx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (executor.isTransaction) return fn(executor as Transaction<Database>);
  return executor.transaction().execute(fn);
}
