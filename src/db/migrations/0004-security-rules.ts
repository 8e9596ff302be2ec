import type { Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * Security rules and the allowlist. Rows are never deleted: lifting a rule or removing an allowlist
 * entry sets `deleted_at`, so the history stays for audits and for escalating repeated bans. Rate-limit
 * settings live in the `settings` table (id `security.rate_limits`).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { timestamp } = columnTypes(db);

  await db.schema
    .createTable('security_rules')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addColumn('expires_at', timestamp)
    .addColumn('deleted_at', timestamp)
    .execute();
  // Ban escalation counts earlier bans of one subject; creation checks for an identical live rule.
  await db.schema
    .createIndex('security_rules_subject')
    .on('security_rules')
    .columns(['type', 'value'])
    .execute();

  await db.schema
    .createTable('security_allowlist')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('note', 'text')
    .addColumn('created_by', 'text')
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addColumn('deleted_at', timestamp)
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('security_allowlist').execute();
  await db.schema.dropTable('security_rules').execute();
}
