import { sql, type Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * Every log entry's place in its log's hash chain (ADR 0009): its position (`chain_seq`, null while not
 * chained), the chain's head after it (`chain_hash`) and, once the privacy job has redacted it, the
 * commitment to the personal data it held (`private_commitment`). Rows already stored stay unchained
 * here and are chained when a server with integrity on starts (sealUnchainedEntries).
 *
 * No index on `chain_seq`: the API-call entry has a byte budget (ADR 0007). `log_chain_batches` maps a
 * range of positions to the range of ids holding them instead, one row per run of entries whose id
 * order is their chain order (usually one row for a long stretch of a log), and readers scan the
 * primary key. Nor an index of unchained rows, which a server with integrity off would pay for on
 * every entry: `log_chain_unsealed` says from which id a log may hold unchained entries, and a log
 * that already holds entries now starts with one from its beginning ('').
 */
const TABLES = ['activity_log', 'api_call_log', 'blocked_log'];
const LOGS_OF: Record<string, string[]> = {
  activity_log: ['activity'],
  api_call_log: ['api_calls', 'failed_api_calls'],
  blocked_log: ['blocked'],
};

export async function up(db: Kysely<any>): Promise<void> {
  const { postgres } = columnTypes(db);
  const blob = postgres ? sql`bytea` : sql`blob`;
  for (const table of TABLES) {
    await db.schema.alterTable(table).addColumn('chain_seq', 'bigint').execute();
    await db.schema.alterTable(table).addColumn('chain_hash', blob).execute();
    await db.schema.alterTable(table).addColumn('private_commitment', blob).execute();
  }
  await db.schema
    .createTable('log_chain_batches')
    .addColumn('log', 'text', (c) => c.notNull())
    .addColumn('first_seq', 'bigint', (c) => c.notNull())
    .addColumn('last_seq', 'bigint', (c) => c.notNull())
    .addColumn('first_id', 'text', (c) => c.notNull())
    .addColumn('last_id', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_chain_batches_pkey', ['log', 'first_seq'])
    .execute();
  await db.schema
    .createTable('log_chain_unsealed')
    .addColumn('log', 'text', (c) => c.primaryKey())
    .addColumn('from_id', 'text', (c) => c.notNull())
    .addColumn('marks', 'bigint', (c) => c.notNull())
    .execute();
  for (const table of TABLES) {
    const any = await db
      .selectFrom(table)
      .select(sql`1`.as('one'))
      .limit(1)
      .executeTakeFirst();
    if (!any) continue;
    for (const log of LOGS_OF[table]!) {
      await db.insertInto('log_chain_unsealed').values({ log, from_id: '', marks: 1 }).execute();
    }
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('log_chain_unsealed').execute();
  await db.schema.dropTable('log_chain_batches').execute();
  for (const table of TABLES) {
    await db.schema.alterTable(table).dropColumn('private_commitment').execute();
    await db.schema.alterTable(table).dropColumn('chain_hash').execute();
    await db.schema.alterTable(table).dropColumn('chain_seq').execute();
  }
}
