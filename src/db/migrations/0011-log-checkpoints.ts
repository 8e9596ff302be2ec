import type { Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * Signed checkpoints of each log's hash chain (ADR 0009), kept as their text's fields plus the hex
 * signature so an export can be verified offline. One row per log and number: a second process that
 * signs the same checkpoint loses on the key and leaves the chain of checkpoints unbroken.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { timestamp } = columnTypes(db);
  await db.schema
    .createTable('log_checkpoints')
    .addColumn('log', 'text', (c) => c.notNull())
    .addColumn('number', 'bigint', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('head', 'text', (c) => c.notNull())
    .addColumn('retained_from', 'bigint', (c) => c.notNull())
    .addColumn('retained_after', 'text', (c) => c.notNull())
    .addColumn('end', timestamp, (c) => c.notNull())
    .addColumn('previous', 'text')
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('signature', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_checkpoints_pkey', ['log', 'number'])
    .execute();
  await db.schema.createIndex('log_checkpoints_end').on('log_checkpoints').columns(['log', 'end']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('log_checkpoints').execute();
}
