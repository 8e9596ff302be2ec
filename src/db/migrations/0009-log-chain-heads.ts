import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * The state of each log's hash chain (ADR 0009): how many entries it holds, its head, and where its kept
 * part starts once retention has deleted the oldest entries; and the secret salt of each log and UTC
 * day that the commitments to personal data use. The genesis formula is restated here rather than
 * imported, as migrations stay as they shipped.
 */
const LOGS = ['activity', 'api_calls', 'failed_api_calls', 'blocked'];

export async function up(db: Kysely<any>): Promise<void> {
  const { postgres } = columnTypes(db);
  const blob = postgres ? sql`bytea` : sql`blob`;
  await db.schema
    .createTable('log_chain_heads')
    .addColumn('log', 'text', (c) => c.primaryKey())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('head', blob, (c) => c.notNull())
    .addColumn('retained_from', 'bigint', (c) => c.notNull())
    .addColumn('retained_after', blob, (c) => c.notNull())
    .execute();
  for (const log of LOGS) {
    const genesis = createHash('sha256').update(`keymanager/log-chain/v1\n${log}`).digest();
    await db
      .insertInto('log_chain_heads')
      .values({ log, count: 0, head: genesis, retained_from: 1, retained_after: genesis })
      .execute();
  }
  await db.schema
    .createTable('log_integrity_salts')
    .addColumn('log', 'text', (c) => c.notNull())
    .addColumn('day', 'text', (c) => c.notNull())
    .addColumn('salt', blob, (c) => c.notNull())
    .addPrimaryKeyConstraint('log_integrity_salts_pkey', ['log', 'day'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('log_integrity_salts').execute();
  await db.schema.dropTable('log_chain_heads').execute();
}
