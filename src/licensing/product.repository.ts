import type { Insertable, Updateable } from 'kysely';
import { containsText } from './text-search.js';
import type { Executor } from '../db/database.js';
import type { ProductTable } from '../db/schema.js';

/** What `q` searches. */
const SEARCHED = ['name', 'code'];
const COLUMNS = ['id', 'name', 'code', 'features', 'metadata', 'created_at', 'updated_at'] as const;

export function createProductRepository(db: Executor) {
  return {
    async insert(row: Insertable<ProductTable>, tx: Executor = db): Promise<void> {
      await tx.insertInto('products').values(row).execute();
    },

    async findById(id: string, tx: Executor = db) {
      return tx.selectFrom('products').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    },

    async list(limit: number, beforeId: string | undefined, text?: string, tx: Executor = db) {
      let query = tx.selectFrom('products').select(COLUMNS).orderBy('id', 'desc').limit(limit);
      if (beforeId) query = query.where('id', '<', beforeId);
      if (text) query = query.where(containsText(SEARCHED, text));
      return query.execute();
    },

    async update(id: string, patch: Updateable<ProductTable>, tx: Executor = db): Promise<boolean> {
      const result = await tx.updateTable('products').set(patch).where('id', '=', id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async delete(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx.deleteFrom('products').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async hasLicenses(id: string, tx: Executor = db): Promise<boolean> {
      const row = await tx
        .selectFrom('licenses')
        .select('id')
        .where('product_id', '=', id)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },

    /** Which of `ids` exist; used to check references in bulk without one query per row. */
    async existingIds(ids: readonly string[], tx: Executor = db): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await tx.selectFrom('products').select('id').where('id', 'in', ids).execute();
      return new Set(rows.map((row) => row.id));
    },
  };
}

export type ProductRepository = ReturnType<typeof createProductRepository>;
