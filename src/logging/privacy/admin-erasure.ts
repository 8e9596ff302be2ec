import { randomBytes } from 'node:crypto';
import { AppError } from '../../http/errors.js';
import type { Executor } from '../../db/database.js';
import { pseudonymizeActivityRow } from './activity-redaction.js';
import { createDaySalts } from './redacted-forms.js';

export interface ErasureResult {
  admin_id: string;
  /** What the entries say instead of the admin's email and name from now on. */
  pseudonym: string;
  entries: number;
}

/**
 * GDPR erasure of a deleted admin's activity: the entries they made (and failed sign-ins with their
 * email) and the entries about their account. The account must be deleted first, so no new entry
 * names them afterwards. The entry recording the erasure itself is still pending and is left alone.
 */
export async function pseudonymizeAdminActivity(tx: Executor, adminId: string): Promise<ErasureResult> {
  const account = await tx.selectFrom('admins').select('id').where('id', '=', adminId).executeTakeFirst();
  if (account) {
    throw new AppError('ERR_CONFLICT', 'Delete the admin before pseudonymising their activity.', {
      field: 'id',
    });
  }
  const emails = await tx
    .selectFrom('activity_log')
    .select('admin_user')
    .distinct()
    .where('actor_type', '=', 'admin')
    .where('actor_id', '=', adminId)
    .execute();
  const rows = await tx
    .selectFrom('activity_log')
    .selectAll()
    .where('result', '!=', 'pending')
    .where((eb) =>
      eb.or([
        eb('actor_id', '=', adminId),
        eb.and([eb('resource_type', 'in', ['admin', 'session']), eb('resource_id', '=', adminId)]),
        ...(emails.length > 0
          ? [
              eb.and([
                eb('actor_id', 'is', null),
                eb('action_type', '=', 'ADMIN_LOGIN_FAILED'),
                eb(
                  'admin_user',
                  'in',
                  emails.map((row) => row.admin_user),
                ),
              ]),
            ]
          : []),
      ]),
    )
    .orderBy('id')
    .execute();
  if (rows.length === 0) throw new AppError('ERR_NOT_FOUND', 'No activity of this admin.');
  const pseudonym = `erased-admin-${randomBytes(6).toString('hex')}`;
  const salts = createDaySalts(tx);
  for (const row of rows) await pseudonymizeActivityRow(tx, salts, row, adminId, pseudonym);
  return { admin_id: adminId, pseudonym, entries: rows.length };
}
