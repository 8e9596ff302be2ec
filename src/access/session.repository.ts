import type { Executor } from '../db/database.js';
import type { Role, SessionMfaState, SessionTable } from '../db/schema.js';

export interface SessionWithAdmin {
  id: string;
  token_hash: string;
  csrf_hash: string;
  admin_id: string;
  last_seen_at: string;
  expires_at: string;
  revoked_at: string | null;
  email: string;
  role: Role;
  mfa_state: SessionMfaState;
}

export function createSessionRepository(db: Executor) {
  return {
    async insert(row: SessionTable, tx: Executor = db): Promise<void> {
      await tx.insertInto('sessions').values(row).execute();
    },

    async findByTokenHash(tokenHash: string): Promise<SessionWithAdmin | undefined> {
      return db
        .selectFrom('sessions')
        .innerJoin('admins', 'admins.id', 'sessions.admin_id')
        .select([
          'sessions.id',
          'sessions.token_hash',
          'sessions.csrf_hash',
          'sessions.admin_id',
          'sessions.last_seen_at',
          'sessions.expires_at',
          'sessions.revoked_at',
          'sessions.mfa_state',
          'admins.email',
          'admins.role',
        ])
        .where('sessions.token_hash', '=', tokenHash)
        .executeTakeFirst();
    },

    async touch(id: string, at: string): Promise<void> {
      await db.updateTable('sessions').set({ last_seen_at: at }).where('id', '=', id).execute();
    },

    async revoke(id: string, at: string, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },

    /** Ends every live session of an admin except `keepId` (the one that changed the password). */
    async revokeAllForAdmin(adminId: string, at: string, keepId: string | null, tx: Executor = db) {
      let query = tx
        .updateTable('sessions')
        .set({ revoked_at: at })
        .where('admin_id', '=', adminId)
        .where('revoked_at', 'is', null);
      if (keepId) query = query.where('id', '!=', keepId);
      await query.execute();
    },
  };
}

export type SessionRepository = ReturnType<typeof createSessionRepository>;
