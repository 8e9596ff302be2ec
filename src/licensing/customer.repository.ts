import type { Insertable, Updateable } from 'kysely';
import { containsText } from './text-search.js';
import type { Executor } from '../db/database.js';
import type { CustomerNoteTable, CustomerTable } from '../db/schema.js';

/** What `q` searches. */
const SEARCHED = ['name', 'email'];
const COLUMNS = ['id', 'name', 'email', 'metadata', 'created_at', 'updated_at'] as const;
const NOTE_COLUMNS = ['id', 'customer_id', 'body', 'author', 'created_at'] as const;

export function createCustomerRepository(db: Executor) {
  return {
    async insert(row: Insertable<CustomerTable>, tx: Executor = db): Promise<void> {
      await tx.insertInto('customers').values(row).execute();
    },

    async findById(id: string, tx: Executor = db) {
      return tx.selectFrom('customers').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    },

    async list(limit: number, beforeId: string | undefined, text?: string, tx: Executor = db) {
      let query = tx.selectFrom('customers').select(COLUMNS).orderBy('id', 'desc').limit(limit);
      if (beforeId) query = query.where('id', '<', beforeId);
      if (text) query = query.where(containsText(SEARCHED, text));
      return query.execute();
    },

    async update(id: string, patch: Updateable<CustomerTable>, tx: Executor = db): Promise<boolean> {
      const result = await tx.updateTable('customers').set(patch).where('id', '=', id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async delete(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx.deleteFrom('customers').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async existingIds(ids: readonly string[], tx: Executor = db): Promise<Set<string>> {
      if (ids.length === 0) return new Set();
      const rows = await tx.selectFrom('customers').select('id').where('id', 'in', ids).execute();
      return new Set(rows.map((row) => row.id));
    },

    async insertNote(row: Insertable<CustomerNoteTable>, tx: Executor = db): Promise<void> {
      await tx.insertInto('customer_notes').values(row).execute();
    },

    async listNotes(customerId: string, limit: number, beforeId: string | undefined, tx: Executor = db) {
      let query = tx
        .selectFrom('customer_notes')
        .select(NOTE_COLUMNS)
        .where('customer_id', '=', customerId)
        .orderBy('id', 'desc')
        .limit(limit);
      if (beforeId) query = query.where('id', '<', beforeId);
      return query.execute();
    },
  };
}

export type CustomerRepository = ReturnType<typeof createCustomerRepository>;
