import type { Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

export async function up(db: Kysely<any>): Promise<void> {
  const { timestamp, json } = columnTypes(db);

  // One row (id 'logging') holding the whole document, so a PUT replaces it in one statement.
  await db.schema
    .createTable('settings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('value', json, (c) => c.notNull())
    .addColumn('updated_at', timestamp, (c) => c.notNull())
    .addColumn('updated_by', 'text')
    .execute();

  await db.schema
    .createTable('activity_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('timestamp', timestamp, (c) => c.notNull())
    .addColumn('admin_user', 'text', (c) => c.notNull())
    .addColumn('actor_type', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('action_type', 'text', (c) => c.notNull())
    .addColumn('resource_type', 'text', (c) => c.notNull())
    .addColumn('resource_id', 'text')
    .addColumn('resource', 'text')
    .addColumn('details', json, (c) => c.notNull())
    .addColumn('result', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('ip', 'text')
    .addColumn('session_id', 'text')
    .addColumn('user_agent', 'text')
    .execute();
  await db.schema.createIndex('activity_log_timestamp').on('activity_log').column('timestamp').execute();
  await db.schema
    .createIndex('activity_log_action_timestamp')
    .on('activity_log')
    .columns(['action_type', 'timestamp'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('activity_log').execute();
  await db.schema.dropTable('settings').execute();
}
