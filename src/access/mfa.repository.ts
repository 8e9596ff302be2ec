import type { Executor } from '../db/database.js';
import type { AdminMfaTable, AdminRecoveryCodeTable } from '../db/schema.js';

export function createMfaRepository(db: Executor) {
  return {
    async find(adminId: string, tx: Executor = db): Promise<AdminMfaTable | undefined> {
      return tx.selectFrom('admin_mfa').selectAll().where('admin_id', '=', adminId).executeTakeFirst();
    },

    /** Admin ids with a confirmed authenticator among `adminIds`, for lists of admins. */
    async activeAmong(adminIds: string[]): Promise<Set<string>> {
      if (adminIds.length === 0) return new Set();
      const rows = await db
        .selectFrom('admin_mfa')
        .select('admin_id')
        .where('admin_id', 'in', adminIds)
        .where('state', '=', 'active')
        .execute();
      return new Set(rows.map((row) => row.admin_id));
    },

    /** A new enrolment replaces an unconfirmed one; a confirmed one is never overwritten here. */
    async savePending(row: AdminMfaTable, tx: Executor = db): Promise<void> {
      await tx.deleteFrom('admin_mfa').where('admin_id', '=', row.admin_id).execute();
      await tx.insertInto('admin_mfa').values(row).execute();
    },

    async activate(adminId: string, step: number, at: string, tx: Executor): Promise<void> {
      await tx
        .updateTable('admin_mfa')
        .set({ state: 'active', confirmed_at: at, last_used_step: step })
        .where('admin_id', '=', adminId)
        .execute();
    },

    /**
     * Moves the last used step forward only if no other request accepted this step or a later one
     * meanwhile: true when this request won, so two requests racing with one code cannot both pass.
     */
    async advanceStep(adminId: string, step: number, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .updateTable('admin_mfa')
        .set({ last_used_step: step })
        .where('admin_id', '=', adminId)
        .where((eb) => eb.or([eb('last_used_step', 'is', null), eb('last_used_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async remove(adminId: string, tx: Executor): Promise<boolean> {
      await tx.deleteFrom('admin_recovery_codes').where('admin_id', '=', adminId).execute();
      const result = await tx.deleteFrom('admin_mfa').where('admin_id', '=', adminId).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },

    async replaceRecoveryCodes(adminId: string, rows: AdminRecoveryCodeTable[], tx: Executor): Promise<void> {
      await tx.deleteFrom('admin_recovery_codes').where('admin_id', '=', adminId).execute();
      await tx.insertInto('admin_recovery_codes').values(rows).execute();
    },

    async unusedRecoveryCodes(adminId: string): Promise<Pick<AdminRecoveryCodeTable, 'id' | 'code_hash'>[]> {
      return db
        .selectFrom('admin_recovery_codes')
        .select(['id', 'code_hash'])
        .where('admin_id', '=', adminId)
        .where('used_at', 'is', null)
        .execute();
    },

    /** True when this request used the code: a concurrent request with the same code gets false. */
    async markRecoveryCodeUsed(id: string, at: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .updateTable('admin_recovery_codes')
        .set({ used_at: at })
        .where('id', '=', id)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async countUnusedRecoveryCodes(adminId: string): Promise<number> {
      const row = await db
        .selectFrom('admin_recovery_codes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('admin_id', '=', adminId)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },
  };
}

export type MfaRepository = ReturnType<typeof createMfaRepository>;
