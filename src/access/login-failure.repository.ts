import type { Executor } from '../db/database.js';
import type { LoginFailureTable } from '../db/schema.js';

export function createLoginFailureRepository(db: Executor) {
  return {
    async insert(row: LoginFailureTable, tx: Executor = db): Promise<void> {
      await tx.insertInto('login_failures').values(row).execute();
    },

    /** Failure times since `since`, oldest first, for an email or for an IP address. */
    async timesSince(column: 'email' | 'ip', value: string, since: string): Promise<string[]> {
      const rows = await db
        .selectFrom('login_failures')
        .select('at')
        .where(column, '=', value)
        .where('at', '>', since)
        .orderBy('at', 'asc')
        .execute();
      return rows.map((row) => row.at);
    },

    async clearEmail(email: string, tx: Executor = db): Promise<void> {
      await tx.deleteFrom('login_failures').where('email', '=', email).execute();
    },

    /** Rows older than every window are useless; pruning keeps the table small. */
    async pruneBefore(before: string): Promise<void> {
      await db.deleteFrom('login_failures').where('at', '<=', before).execute();
    },
  };
}

export type LoginFailureRepository = ReturnType<typeof createLoginFailureRepository>;
