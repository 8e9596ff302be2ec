import type { Executor } from '../db/database.js';
import type { ApiKeyTable } from '../db/schema.js';

/** The columns a key is shown with; the hash is never selected except to authenticate. */
const PUBLIC_COLUMNS = [
  'id',
  'name',
  'scope',
  'role',
  'environment',
  'masked',
  'created_by',
  'created_at',
  'expires_at',
  'revoked_at',
  'last_used_at',
] as const;

export type ApiKeyRecord = Omit<ApiKeyTable, 'key_hash'>;

export function createApiKeyRepository(db: Executor) {
  return {
    async insert(row: ApiKeyTable, tx: Executor = db): Promise<void> {
      await tx.insertInto('api_keys').values(row).execute();
    },

    async findById(id: string, tx: Executor = db): Promise<ApiKeyRecord | undefined> {
      return tx.selectFrom('api_keys').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
    },

    async findForAuthentication(keyHash: string): Promise<ApiKeyTable | undefined> {
      return db.selectFrom('api_keys').selectAll().where('key_hash', '=', keyHash).executeTakeFirst();
    },

    async list(limit: number, beforeId: string | undefined): Promise<ApiKeyRecord[]> {
      let query = db.selectFrom('api_keys').select(PUBLIC_COLUMNS).orderBy('id', 'desc').limit(limit);
      if (beforeId) query = query.where('id', '<', beforeId);
      return query.execute();
    },

    async revoke(id: string, at: string, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('api_keys')
        .set({ revoked_at: at })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .execute();
    },

    async touch(id: string, at: string): Promise<void> {
      await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
    },
  };
}

export type ApiKeyRepository = ReturnType<typeof createApiKeyRepository>;
