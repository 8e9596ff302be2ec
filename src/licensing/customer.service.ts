import type { Selectable } from 'kysely';
import { isForeignKeyViolation } from '../db/database.js';
import { parseJson, toJson } from '../db/json.js';
import type { CustomerTable } from '../db/schema.js';
import { notFound } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import type { CoreDeps } from '../shared/deps.js';
import { createCustomerRepository } from './customer.repository.js';
import type { CreateCustomerBody, Customer, Note, UpdateCustomerBody } from './customer.schemas.js';

function toCustomer(row: Selectable<CustomerTable>): Customer {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    metadata: parseJson<Record<string, unknown>>(row.metadata),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

export function createCustomerService({ db, clock, ids }: CoreDeps) {
  const repository = createCustomerRepository(db);

  async function get(id: string): Promise<Customer> {
    const row = await repository.findById(id);
    if (!row) throw notFound('Customer');
    return toCustomer(row);
  }

  return {
    repository,
    get,

    async list(limit: number, beforeId?: string): Promise<Page<Customer>> {
      return toPage((await repository.list(limit + 1, beforeId)).map(toCustomer), limit);
    },

    async create(input: CreateCustomerBody): Promise<Customer> {
      const now = clock.now().toISOString();
      const row = {
        id: ids.next('cus'),
        name: input.name,
        email: input.email ?? null,
        metadata: toJson(input.metadata ?? {}),
        created_at: now,
        updated_at: now,
      };
      await repository.insert(row);
      return toCustomer(row);
    },

    async update(id: string, input: UpdateCustomerBody): Promise<Customer> {
      const updated = await repository.update(id, {
        ...(input.name !== undefined && { name: input.name }),
        ...(input.email !== undefined && { email: input.email }),
        ...(input.metadata !== undefined && { metadata: toJson(input.metadata) }),
        updated_at: clock.now().toISOString(),
      });
      if (!updated) throw notFound('Customer');
      return get(id);
    },

    /** Licences of a deleted customer stay, unassigned; its notes go with it. */
    async remove(id: string): Promise<void> {
      if (!(await repository.delete(id))) throw notFound('Customer');
    },

    async addNote(customerId: string, body: string, author: string): Promise<Note> {
      const row = {
        id: ids.next('note'),
        customer_id: customerId,
        body,
        author,
        created_at: clock.now().toISOString(),
      };
      try {
        await repository.insertNote(row);
      } catch (error) {
        if (isForeignKeyViolation(error)) throw notFound('Customer');
        throw error;
      }
      return row;
    },

    async listNotes(customerId: string, limit: number, beforeId?: string): Promise<Page<Note>> {
      await get(customerId);
      return toPage(await repository.listNotes(customerId, limit + 1, beforeId), limit);
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
