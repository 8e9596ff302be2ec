import type { Selectable } from 'kysely';
import type { Db, Dialect } from '../db/database.js';
import type { EmailNotificationTable } from '../db/schema.js';

export type EmailNotificationRow = Omit<Selectable<EmailNotificationTable>, 'lease_until'>;

const COLUMNS = [
  'id',
  'kind',
  'event_id',
  'license_id',
  'recipient',
  'variables',
  'state',
  'attempts',
  'next_attempt_at',
  'error',
  'sent_at',
  'created_at',
] as const;

export function createEmailNotificationRepository(db: Db, dialect: Dialect) {
  return {
    /** Takes due emails under a lease (FOR UPDATE SKIP LOCKED on PostgreSQL): one process sends each. */
    claimDue(now: string, leaseUntil: string, limit: number): Promise<EmailNotificationRow[]> {
      return db.transaction().execute(async (tx) => {
        const q = tx
          .selectFrom('email_notifications')
          .select('id')
          .where('state', '=', 'pending')
          .where('next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .orderBy('id')
          .limit(limit);
        const due = await (dialect === 'postgres' ? q.forUpdate().skipLocked() : q).execute();
        if (due.length === 0) return [];
        const ids = due.map((row) => row.id);
        await tx
          .updateTable('email_notifications')
          .set({ lease_until: leaseUntil })
          .where('id', 'in', ids)
          .execute();
        return tx
          .selectFrom('email_notifications')
          .select(COLUMNS)
          .where('id', 'in', ids)
          .orderBy('id')
          .execute();
      });
    },

    async record(
      id: string,
      outcome: Pick<EmailNotificationTable, 'state' | 'attempts' | 'next_attempt_at' | 'error' | 'sent_at'>,
    ): Promise<void> {
      await db
        .updateTable('email_notifications')
        .set({ ...outcome, lease_until: null })
        .where('id', '=', id)
        .execute();
    },

    list(limit: number, beforeId?: string): Promise<EmailNotificationRow[]> {
      let q = db.selectFrom('email_notifications').select(COLUMNS).orderBy('id', 'desc').limit(limit);
      if (beforeId) q = q.where('id', '<', beforeId);
      return q.execute();
    },
  };
}

export type EmailNotificationRepository = ReturnType<typeof createEmailNotificationRepository>;
