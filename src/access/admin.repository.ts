import type { Dialect, Executor } from '../db/database.js';
import type { AdminTable } from '../db/schema.js';

/** The columns an admin is shown with; the password hash is selected only to verify a password. */
const PUBLIC_COLUMNS = ['id', 'email', 'name', 'role', 'created_at', 'updated_at', 'last_login_at'] as const;

export type AdminRecord = Omit<AdminTable, 'password_hash'>;

export function createAdminRepository(db: Executor, dialect: Dialect) {
  return {
    async insert(row: AdminTable, tx: Executor = db): Promise<void> {
      await tx.insertInto('admins').values(row).execute();
    },

    async findById(id: string, tx: Executor = db): Promise<AdminRecord | undefined> {
      return tx.selectFrom('admins').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
    },

    async findByEmailWithHash(email: string, tx: Executor = db): Promise<AdminTable | undefined> {
      return tx.selectFrom('admins').selectAll().where('email', '=', email).executeTakeFirst();
    },

    async findPasswordHash(id: string, tx: Executor = db): Promise<string | undefined> {
      const row = await tx
        .selectFrom('admins')
        .select('password_hash')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.password_hash;
    },

    async list(limit: number, beforeId: string | undefined, tx: Executor = db): Promise<AdminRecord[]> {
      let query = tx.selectFrom('admins').select(PUBLIC_COLUMNS).orderBy('id', 'desc').limit(limit);
      if (beforeId) query = query.where('id', '<', beforeId);
      return query.execute();
    },

    async count(tx: Executor = db): Promise<number> {
      const row = await tx
        .selectFrom('admins')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    /**
     * Counts the owners inside the caller's transaction and, on PostgreSQL, locks their rows until it
     * ends, so two parallel demotions or deletions cannot both see a second owner and leave none.
     * SQLite's single connection serialises transactions already.
     */
    async countOwnersLocked(tx: Executor): Promise<number> {
      const query = tx.selectFrom('admins').select('id').where('role', '=', 'owner');
      return (await (dialect === 'postgres' ? query.forUpdate() : query).execute()).length;
    },

    async update(
      id: string,
      patch: Partial<Pick<AdminTable, 'name' | 'role' | 'password_hash' | 'last_login_at'>> & {
        updated_at?: string;
      },
      tx: Executor = db,
    ): Promise<void> {
      await tx.updateTable('admins').set(patch).where('id', '=', id).execute();
    },

    async delete(id: string, tx: Executor = db): Promise<void> {
      await tx.deleteFrom('admins').where('id', '=', id).execute();
    },
  };
}

export type AdminRepository = ReturnType<typeof createAdminRepository>;
