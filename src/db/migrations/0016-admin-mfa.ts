import type { Kysely } from 'kysely';
import { columnTypes } from './dialect.js';

/**
 * Two-factor sign-in with TOTP. `admin_mfa` holds one authenticator per admin: its secret encrypted
 * with the data directory's MFA key (AES-256-GCM), `pending` until a first code confirms it, and the
 * last time step accepted so a code is never accepted twice. Recovery codes are stored hashed, each
 * used at most once. A session remembers how far its sign-in went (`mfa_state`): `off` (password only,
 * no authenticator), `verify` (password given, code awaited), `enrol` (password given, an authenticator
 * must be set up first) or `passed` (both factors).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const { timestamp } = columnTypes(db);

  await db.schema
    .createTable('admin_mfa')
    .addColumn('admin_id', 'text', (c) => c.primaryKey().references('admins.id').onDelete('cascade'))
    .addColumn('secret_encrypted', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('last_used_step', 'integer')
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addColumn('confirmed_at', timestamp)
    .execute();

  await db.schema
    .createTable('admin_recovery_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('admin_id', 'text', (c) => c.notNull().references('admins.id').onDelete('cascade'))
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('created_at', timestamp, (c) => c.notNull())
    .addColumn('used_at', timestamp)
    .execute();
  await db.schema
    .createIndex('admin_recovery_codes_admin')
    .on('admin_recovery_codes')
    .column('admin_id')
    .execute();

  await db.schema
    .alterTable('sessions')
    .addColumn('mfa_state', 'text', (c) => c.notNull().defaultTo('off'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sessions').dropColumn('mfa_state').execute();
  await db.schema.dropTable('admin_recovery_codes').execute();
  await db.schema.dropTable('admin_mfa').execute();
}
