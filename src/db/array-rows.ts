import pg from 'pg';
import { CompiledQuery, PostgresAdapter, sql, type Compilable, type RawBuilder } from 'kysely';
import type { Executor } from './database.js';

/**
 * Reading many rows fast (log exports, pages of logs). Both drivers build an object per row, keyed by
 * column name, and a Buffer per binary value; for a log row of short values that costs more than
 * SQLite's own work. A statement whose SQL starts with this comment is run by either driver with its
 * rows as arrays of values in select order (better-sqlite3's `raw`, pg's `rowMode: 'array'`), and
 * binary columns are selected as hex text (see hexOf).
 */
export const ARRAY_ROWS = '/* array rows */ ';

export function isArrayRowsSql(text: string): boolean {
  return text.startsWith(ARRAY_ROWS);
}

/** Runs `query` (in `tx`, if it is a transaction) and returns its rows as arrays, in select order. */
export async function arrayRows(tx: Executor, query: Compilable<unknown>): Promise<unknown[][]> {
  const compiled = query.compile();
  const result = await tx.executeQuery(
    CompiledQuery.raw(ARRAY_ROWS + compiled.sql, [...compiled.parameters]),
  );
  return result.rows as unknown[][];
}

/**
 * A binary column as hex text (upper case on SQLite, lower case on PostgreSQL): a string costs a fraction
 * of a Buffer to create and collect. The codec reads it back (request-log.codec.ts, `…FromHex`).
 */
export function hexOf(tx: Executor, column: string): RawBuilder<string | null> {
  return tx.getExecutor().adapter instanceof PostgresAdapter
    ? sql<string | null>`encode(${sql.ref(column)}, 'hex')`
    : sql<string | null>`hex(${sql.ref(column)})`;
}

/** pg's client, running ARRAY_ROWS statements with array rows; the pool makes its connections with it. */
export class ArrayRowsClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    // pg.Client's query has a dozen overloads; only a call with SQL text can carry the mark.
    const query = this.query.bind(this) as (...args: unknown[]) => unknown;
    this.query = ((text: unknown, ...rest: unknown[]) => {
      if (typeof text !== 'string' || !isArrayRowsSql(text)) return query(text, ...rest);
      const [values, ...callback] = rest;
      return query({ text, values, rowMode: 'array' }, ...callback);
    }) as pg.Client['query'];
  }
}
