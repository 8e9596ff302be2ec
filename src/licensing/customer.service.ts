import type { Selectable } from 'kysely';
import { isForeignKeyViolation, type Executor } from '../db/database.js';
import { parseJson, toJson } from '../db/json.js';
import type { CustomerTable } from '../db/schema.js';
import { notFound } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { fieldChanges } from '../logging/activity-diff.js';
import { NO_ENTRY, type ActivityEntry } from '../logging/activity.service.js';
import type { CoreDeps } from '../shared/deps.js';
import { NO_EVENTS, type EventEmitter } from '../webhooks/event-outbox.js';
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

const AUDITED_FIELDS = ['name', 'email', 'metadata'] as const;
const label = (customer: { id: string; name: string }) => `Customer ${customer.id} (${customer.name})`;
/** Enough of a note for an auditor to recognise it; the note itself stays with the customer. */
const NOTE_EXCERPT = 500;

export function createCustomerService({ db, clock, ids }: CoreDeps, events: EventEmitter = NO_EVENTS) {
  const repository = createCustomerRepository(db);

  async function get(id: string, tx: Executor = db): Promise<Customer> {
    const row = await repository.findById(id, tx);
    if (!row) throw notFound('Customer');
    return toCustomer(row);
  }

  return {
    repository,
    get,

    async list(limit: number, beforeId?: string, text?: string): Promise<Page<Customer>> {
      return toPage((await repository.list(limit + 1, beforeId, text)).map(toCustomer), limit);
    },

    async create(input: CreateCustomerBody, tx: Executor = db, entry = NO_ENTRY): Promise<Customer> {
      const now = clock.now().toISOString();
      const row = {
        id: ids.next('cus'),
        name: input.name,
        email: input.email ?? null,
        metadata: toJson(input.metadata ?? {}),
        created_at: now,
        updated_at: now,
      };
      await repository.insert(row, tx);
      const customer = toCustomer(row);
      entry.note({
        resource_id: customer.id,
        resource: label(customer),
        details: { changes: fieldChanges({}, customer, AUDITED_FIELDS) },
      });
      await events.emit(tx, { type: 'customer.created', data: { customer } });
      return customer;
    },

    async update(
      id: string,
      input: UpdateCustomerBody,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<Customer> {
      const before = await get(id, tx);
      const updated = await repository.update(
        id,
        {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.email !== undefined && { email: input.email }),
          ...(input.metadata !== undefined && { metadata: toJson(input.metadata) }),
          updated_at: clock.now().toISOString(),
        },
        tx,
      );
      if (!updated) throw notFound('Customer');
      const after = await get(id, tx);
      entry.note({
        resource: label(after),
        details: { changes: fieldChanges(before, after, AUDITED_FIELDS) },
      });
      await events.emit(tx, { type: 'customer.updated', data: { customer: after } });
      return after;
    },

    /** Licences of a deleted customer stay, unassigned; its notes go with it. */
    async remove(id: string, tx: Executor = db, entry: ActivityEntry = NO_ENTRY): Promise<void> {
      const before = await get(id, tx);
      entry.note({
        resource: label(before),
        details: { deleted: { name: before.name, email: before.email } },
      });
      if (!(await repository.delete(id, tx))) throw notFound('Customer');
      await events.emit(tx, { type: 'customer.deleted', data: { customer: before } });
    },

    async addNote(
      customerId: string,
      body: string,
      author: string,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<Note> {
      const customer = await get(customerId, tx);
      const row = {
        id: ids.next('note'),
        customer_id: customerId,
        body,
        author,
        created_at: clock.now().toISOString(),
      };
      try {
        await repository.insertNote(row, tx);
      } catch (error) {
        if (isForeignKeyViolation(error)) throw notFound('Customer');
        throw error;
      }
      entry.note({
        resource: label(customer),
        details: { note_id: row.id, note: body.slice(0, NOTE_EXCERPT) },
      });
      return row;
    },

    async listNotes(customerId: string, limit: number, beforeId?: string): Promise<Page<Note>> {
      await get(customerId);
      return toPage(await repository.listNotes(customerId, limit + 1, beforeId), limit);
    },
  };
}

export type CustomerService = ReturnType<typeof createCustomerService>;
