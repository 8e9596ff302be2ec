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
 * primary key. The partial indexes hold only unchained rows, so sealing finds them without a scan.
 */
const TABLES = ['activity_log', 'api_call_log', 'blocked_log'];

export async function up(db: Kysely<any>): Promise<void> {
  const { postgres } = columnTypes(db);
  const blob = postgres ? sql`bytea` : sql`blob`;
  for (const table of TABLES) {
    await db.schema.alterTable(table).addColumn('chain_seq', 'bigint').execute();
    await db.schema.alterTable(table).addColumn('chain_hash', blob).execute();
    await db.schema.alterTable(table).addColumn('private_commitment', blob).execute();
    await db.schema
      .createIndex(`${table}_unchained_idx`)
      .on(table)
      .column('id')
      .where(sql.ref('chain_seq'), 'is', null)
      .execute();
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
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('log_chain_batches').execute();
  for (const table of TABLES) {
    await db.schema.dropIndex(`${table}_unchained_idx`).execute();
    await db.schema.alterTable(table).dropColumn('private_commitment').execute();
    await db.schema.alterTable(table).dropColumn('chain_hash').execute();
    await db.schema.alterTable(table).dropColumn('chain_seq').execute();
  }
}
