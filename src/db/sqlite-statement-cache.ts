import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import type { SqliteDatabase as KyselySqliteDatabase } from 'kysely';
import { isArrayRowsSql } from './array-rows.js';

const MAX_CACHED_STATEMENTS = 500;

/**
 * Kysely prepares every query anew, and preparing costs more than running a point lookup; the
 * licence API runs the same few statements thousands of times a second. Statements are cached by
 * their SQL text (which carries no values: they are bound parameters). A statement still iterating
 * (a streamed result) is busy, so a second user of the same SQL gets a fresh one. A statement marked
 * ARRAY_ROWS returns its rows as arrays.
 */
export function withStatementCache(database: SqliteDatabase): KyselySqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      if (cached && !cached.busy) return cached;
      const statement = database.prepare(sql);
      if (isArrayRowsSql(sql)) statement.raw(true);
      if (!cached) {
        if (cache.size >= MAX_CACHED_STATEMENTS) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}
