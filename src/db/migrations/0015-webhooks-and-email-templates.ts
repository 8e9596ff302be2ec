import type { Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * Event webhooks and email notifications (ADR 0014). `domain_events` is a transactional outbox: a
 * licence, customer or product change inserts its event, one delivery per subscribed endpoint and its
 * licence emails in the transaction that makes the change, so an event exists exactly when its change
 * committed. Deliveries and emails are then sent by a job that claims rows with a lease.
 * `license_expiry_notices` makes the expiry scan emit once per licence and expiry date, whichever
 * process scans. Email templates keep every saved version; the shipped defaults live in the code.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { timestamp, json } = columnTypes(db);

  await db.schema
    .createTable('webhook_endpoints')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('events', json, (c) => c.notNull())
    .addColumn('enabled', 'integer', (c) => c.notNull())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addColumn('updated_at', timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('domain_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', json, (c) => c.notNull())
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('webhook_deliveries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('endpoint_id', 'text', (c) =>
      c.notNull().references('webhook_endpoints.id').onDelete('cascade'),
    )
    .addColumn('event_id', 'text', (c) => c.notNull().references('domain_events.id'))
    .addColumn('event_type', 'text', (c) => c.notNull())
    // pending → delivered | failed (given up); a test delivery is tried once.
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('max_attempts', 'integer', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', timestamp)
    .addColumn('lease_until', timestamp)
    .addColumn('response_status', 'integer')
    .addColumn('response_time_ms', 'integer')
    .addColumn('error', 'text')
    .addColumn('delivered_at', timestamp)
    .addColumn('give_up_at', timestamp, (c) => c.notNull())
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .execute();
  // The claim looks for the oldest pending delivery of each endpoint.
  await db.schema
    .createIndex('webhook_deliveries_queue')
    .on('webhook_deliveries')
    .columns(['state', 'endpoint_id', 'id'])
    .execute();
  await db.schema
    .createIndex('webhook_deliveries_endpoint')
    .on('webhook_deliveries')
    .columns(['endpoint_id', 'id'])
    .execute();

  await db.schema
    .createTable('webhook_delivery_attempts')
    .addColumn('delivery_id', 'text', (c) =>
      c.notNull().references('webhook_deliveries.id').onDelete('cascade'),
    )
    .addColumn('attempt', 'integer', (c) => c.notNull())
    .addColumn('attempted_at', timestamp, (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_time_ms', 'integer', (c) => c.notNull())
    .addColumn('error', 'text')
    .addPrimaryKeyConstraint('webhook_delivery_attempts_pk', ['delivery_id', 'attempt'])
    .execute();

  await db.schema
    .createTable('license_expiry_notices')
    .addColumn('license_id', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('expires_at', timestamp, (c) => c.notNull())
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addPrimaryKeyConstraint('license_expiry_notices_pk', ['license_id', 'kind', 'expires_at'])
    .execute();

  await db.schema
    .createTable('email_template_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('version', 'integer', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('text_body', 'text', (c) => c.notNull())
    .addColumn('html_body', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text')
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addUniqueConstraint('email_template_versions_kind_version', ['kind', 'version'])
    .execute();

  await db.schema
    .createTable('email_notifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text')
    .addColumn('license_id', 'text')
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('variables', json, (c) => c.notNull())
    // pending → sent | failed | not_sent (no SMTP server configured)
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull())
    .addColumn('next_attempt_at', timestamp)
    .addColumn('lease_until', timestamp)
    .addColumn('error', 'text')
    .addColumn('sent_at', timestamp)
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('email_notifications_queue')
    .on('email_notifications')
    .columns(['state', 'id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'email_notifications',
    'email_template_versions',
    'license_expiry_notices',
    'webhook_delivery_attempts',
    'webhook_deliveries',
    'domain_events',
    'webhook_endpoints',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
