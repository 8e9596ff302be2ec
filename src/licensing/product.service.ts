import type { Selectable } from 'kysely';
import { isForeignKeyViolation, isUniqueViolation, type Executor } from '../db/database.js';
import { parseJson, toJson } from '../db/json.js';
import type { ProductTable } from '../db/schema.js';
import { AppError, notFound } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { fieldChanges } from '../logging/activity-diff.js';
import { NO_ENTRY, type ActivityEntry } from '../logging/activity.service.js';
import type { CoreDeps } from '../shared/deps.js';
import { NO_EVENTS, type EventEmitter } from '../webhooks/event-outbox.js';
import { createProductRepository } from './product.repository.js';
import type { CreateProductBody, Product, UpdateProductBody } from './product.schemas.js';

function toProduct(row: Selectable<ProductTable>): Product {
  return {
    id: row.id,
    name: row.name,
    code: row.code,
    features: parseJson<string[]>(row.features),
    metadata: parseJson<Record<string, unknown>>(row.metadata),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

const AUDITED_FIELDS = ['name', 'code', 'features', 'metadata'] as const;
const label = (product: { id: string; name: string }) => `Product ${product.id} (${product.name})`;

const codeTaken = () => new AppError('ERR_CONFLICT', 'A product with this code already exists.');

export function createProductService({ db, clock, ids }: CoreDeps, events: EventEmitter = NO_EVENTS) {
  const repository = createProductRepository(db);

  async function get(id: string, tx: Executor = db): Promise<Product> {
    const row = await repository.findById(id, tx);
    if (!row) throw notFound('Product');
    return toProduct(row);
  }

  return {
    repository,
    get,

    async list(limit: number, beforeId?: string, text?: string): Promise<Page<Product>> {
      return toPage((await repository.list(limit + 1, beforeId, text)).map(toProduct), limit);
    },

    async create(input: CreateProductBody, tx: Executor = db, entry = NO_ENTRY): Promise<Product> {
      const now = clock.now().toISOString();
      const row = {
        id: ids.next('prd'),
        name: input.name,
        code: input.code ?? null,
        features: toJson(input.features ?? []),
        metadata: toJson(input.metadata ?? {}),
        created_at: now,
        updated_at: now,
      };
      try {
        await repository.insert(row, tx);
      } catch (error) {
        if (isUniqueViolation(error)) throw codeTaken();
        throw error;
      }
      const product = await get(row.id, tx);
      entry.note({
        resource_id: product.id,
        resource: label(product),
        details: { changes: fieldChanges({}, product, AUDITED_FIELDS) },
      });
      await events.emit(tx, { type: 'product.created', data: { product } });
      return product;
    },

    async update(
      id: string,
      input: UpdateProductBody,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<Product> {
      const before = await get(id, tx);
      try {
        const updated = await repository.update(
          id,
          {
            ...(input.name !== undefined && { name: input.name }),
            ...(input.code !== undefined && { code: input.code }),
            ...(input.features !== undefined && { features: toJson(input.features) }),
            ...(input.metadata !== undefined && { metadata: toJson(input.metadata) }),
            updated_at: clock.now().toISOString(),
          },
          tx,
        );
        if (!updated) throw notFound('Product');
      } catch (error) {
        if (isUniqueViolation(error)) throw codeTaken();
        throw error;
      }
      const after = await get(id, tx);
      entry.note({
        resource: label(after),
        details: { changes: fieldChanges(before, after, AUDITED_FIELDS) },
      });
      await events.emit(tx, { type: 'product.updated', data: { product: after } });
      return after;
    },

    async remove(id: string, tx: Executor = db, entry: ActivityEntry = NO_ENTRY): Promise<void> {
      const inUse = () => new AppError('ERR_CONFLICT', 'The product still has licences; delete them first.');
      const before = await get(id, tx);
      entry.note({ resource: label(before), details: { deleted: { name: before.name, code: before.code } } });
      if (await repository.hasLicenses(id, tx)) throw inUse();
      try {
        if (!(await repository.delete(id, tx))) throw notFound('Product');
        await events.emit(tx, { type: 'product.deleted', data: { product: before } });
      } catch (error) {
        // A licence created between the check and the delete is caught by the foreign key.
        if (isForeignKeyViolation(error)) throw inUse();
        throw error;
      }
    },
  };
}

export type ProductService = ReturnType<typeof createProductService>;
