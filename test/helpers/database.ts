import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Config } from '../../src/config/config.js';
import type { Dialect } from '../../src/db/database.js';

/** The real PostgreSQL every storage test also runs on; KM_TEST_DATABASE_URL overrides it. */
export const TEST_POSTGRES_URL =
  process.env.KM_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const DIALECTS: Dialect[] = ['sqlite', 'postgres'];

/**
 * A private database for one test file: an in-memory SQLite, or a fresh PostgreSQL schema so files
 * run in parallel without seeing each other's rows. `drop` removes it.
 */
export async function createTestDatabase(
  dialect: Dialect,
): Promise<{ database: Config['database']; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') return { database: { kind: 'sqlite', file: ':memory:' }, drop: async () => {} };
  const schema = `test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  await client.query(`create schema ${schema}`);
  await client.end();
  return {
    database: { kind: 'postgres', url: TEST_POSTGRES_URL, schema },
    drop: async () => {
      const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await admin.connect();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    },
  };
}
