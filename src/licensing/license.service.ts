import { isForeignKeyViolation, isUniqueViolation, type Executor } from '../db/database.js';
import { parseJson, toJson } from '../db/json.js';
import type { LicenseStatus, LicenseTable } from '../db/schema.js';
import { AppError, notFound, validationError, type FieldError } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { fieldChanges } from '../logging/activity-diff.js';
import { NO_ENTRY, type ActivityEntry } from '../logging/activity.service.js';
import { maskLicenseKey } from '../logging/mask.js';
import type { CoreDeps } from '../shared/deps.js';
import { NO_EVENTS, type EventEmitter } from '../webhooks/event-outbox.js';
import { licenseEventData } from '../webhooks/webhook-events.js';
import { createActivationRepository } from './activation.repository.js';
import type { CustomerRepository } from './customer.repository.js';
import { generateLicenseKey } from './license-key.js';
import { effectiveStatus } from './license-validation.js';
import { createLicenseRepository } from './license.repository.js';
import type {
  Activation,
  CreateLicenseBody,
  License,
  LicenseFilters,
  UpdateLicenseBody,
} from './license.schemas.js';
import type { ProductRepository } from './product.repository.js';

type LicenseRow = Omit<LicenseTable, 'features' | 'metadata'> & {
  features: unknown;
  metadata: unknown;
  activations_used: number | string | null;
};

export function toLicense(row: LicenseRow, now: Date): License {
  return {
    id: row.id,
    key: row.key,
    product_id: row.product_id,
    customer_id: row.customer_id,
    status: effectiveStatus(row, now),
    status_reason: row.status_reason,
    max_activations: row.max_activations,
    activations_used: Number(row.activations_used ?? 0),
    expires_at: row.expires_at,
    features: parseJson<string[]>(row.features),
    metadata: parseJson<Record<string, unknown>>(row.metadata),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** Timestamps are stored normalised so that string comparison on SQLite orders them correctly. */
export const normaliseTimestamp = (value: string | null | undefined) =>
  value == null ? null : new Date(value).toISOString();

/** How a licence is named in the activity log: its id and masked key, never the key itself. */
export const licenseLabel = (license: { id: string; key: string }) =>
  `License ${license.id} (${maskLicenseKey(license.key)})`;

const AUDITED_FIELDS = [
  'product_id',
  'customer_id',
  'status',
  'max_activations',
  'expires_at',
  'features',
  'metadata',
] as const;

const keyTaken = () => new AppError('ERR_CONFLICT', 'A licence with this key already exists.');

/** Which status changes are allowed from which stored status; revocation is final. */
const TRANSITIONS: Record<'suspend' | 'unsuspend' | 'revoke', { from: LicenseStatus[]; to: LicenseStatus }> =
  {
    suspend: { from: ['active', 'expired'], to: 'suspended' },
    unsuspend: { from: ['suspended'], to: 'active' },
    revoke: { from: ['active', 'expired', 'suspended'], to: 'revoked' },
  };

const TRANSITION_EVENTS = {
  suspend: 'license.suspended',
  unsuspend: 'license.unsuspended',
  revoke: 'license.revoked',
} as const;

type NewLicenseRow = Omit<LicenseTable, 'features' | 'metadata'> & { features: string; metadata: string };

/** The row a new licence starts as, whether created alone or imported. */
export function newLicenseRow(input: CreateLicenseBody, id: string, now: string): NewLicenseRow {
  return {
    id,
    key: input.key ?? generateLicenseKey(),
    product_id: input.product_id,
    customer_id: input.customer_id ?? null,
    status: 'active',
    status_reason: null,
    max_activations: input.max_activations === undefined ? 1 : input.max_activations,
    expires_at: normaliseTimestamp(input.expires_at),
    features: toJson(input.features ?? []),
    metadata: toJson(input.metadata ?? {}),
    created_at: now,
    updated_at: now,
  };
}

export function createLicenseService(
  { db, database, clock, ids }: CoreDeps,
  refs: { products: ProductRepository; customers: CustomerRepository },
  events: EventEmitter = NO_EVENTS,
) {
  const repository = createLicenseRepository(db, database.dialect);
  const activations = createActivationRepository(db);

  async function get(id: string, tx: Executor = db): Promise<License> {
    const row = await repository.findById(id, tx);
    if (!row) throw notFound('Licence');
    return toLicense(row, clock.now());
  }

  async function checkReferences(
    input: { product_id?: string; customer_id?: string | null },
    tx: Executor = db,
  ) {
    const errors: FieldError[] = [];
    const product = input.product_id ? await refs.products.findById(input.product_id, tx) : true;
    const customer = input.customer_id ? await refs.customers.findById(input.customer_id, tx) : true;
    if (!product) errors.push({ field: 'product_id', message: 'does not refer to an existing product' });
    if (!customer) errors.push({ field: 'customer_id', message: 'does not refer to an existing customer' });
    if (errors.length) throw validationError(errors);
  }

  async function transition(
    id: string,
    action: keyof typeof TRANSITIONS,
    reason: string,
    tx: Executor,
    entry: ActivityEntry,
  ): Promise<License> {
    const { from, to } = TRANSITIONS[action];
    const current = await repository.findById(id, tx);
    if (!current) throw notFound('Licence');
    entry.note({
      resource: licenseLabel(current),
      details: { reason, changes: { status: { before: current.status, after: to } } },
    });
    if (!from.includes(current.status)) {
      throw new AppError(
        'ERR_CONFLICT',
        `The licence is ${current.status}; it cannot be ${to === 'active' ? 'unsuspended' : to}.`,
      );
    }
    await repository.update(
      id,
      { status: to, status_reason: to === 'active' ? null : reason, updated_at: clock.now().toISOString() },
      tx,
    );
    const license = await get(id, tx);
    await events.emit(tx, { type: TRANSITION_EVENTS[action], data: licenseEventData(license, { reason }) });
    return license;
  }

  return {
    repository,
    activations,
    get,

    async list(filters: LicenseFilters, limit: number, beforeId?: string): Promise<Page<License>> {
      const now = clock.now();
      const rows = await repository.list(filters, now.toISOString(), limit + 1, beforeId);
      return toPage(
        rows.map((row) => toLicense(row, now)),
        limit,
      );
    },

    async create(input: CreateLicenseBody, tx: Executor = db, entry = NO_ENTRY): Promise<License> {
      await checkReferences(input, tx);
      const now = clock.now().toISOString();
      const row = newLicenseRow(input, ids.next('lic'), now);
      try {
        await repository.insert([row], tx);
      } catch (error) {
        if (isUniqueViolation(error)) throw keyTaken();
        if (isForeignKeyViolation(error))
          throw validationError([{ field: 'product_id', message: 'does not refer to an existing product' }]);
        throw error;
      }
      const license = toLicense({ ...row, activations_used: 0 }, clock.now());
      entry.note({
        resource_id: license.id,
        resource: licenseLabel(license),
        details: { custom_key: input.key !== undefined, changes: fieldChanges({}, license, AUDITED_FIELDS) },
      });
      await events.emit(tx, { type: 'license.created', data: licenseEventData(license) });
      return license;
    },

    async update(
      id: string,
      input: UpdateLicenseBody,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<License> {
      await checkReferences(input, tx);
      const before = await get(id, tx);
      const updated = await repository.update(
        id,
        {
          ...(input.customer_id !== undefined && { customer_id: input.customer_id }),
          ...(input.max_activations !== undefined && { max_activations: input.max_activations }),
          ...(input.expires_at !== undefined && { expires_at: normaliseTimestamp(input.expires_at) }),
          ...(input.features !== undefined && { features: toJson(input.features) }),
          ...(input.metadata !== undefined && { metadata: toJson(input.metadata) }),
          updated_at: clock.now().toISOString(),
        },
        tx,
      );
      if (!updated) throw notFound('Licence');
      const after = await get(id, tx);
      const changes = fieldChanges(before, after, AUDITED_FIELDS);
      entry.note({ resource: licenseLabel(after), details: { changes } });
      await events.emit(tx, {
        type: 'license.updated',
        data: licenseEventData(after, { changed_fields: Object.keys(changes) }),
      });
      return after;
    },

    async remove(id: string, tx: Executor = db, entry: ActivityEntry = NO_ENTRY): Promise<void> {
      const before = await get(id, tx);
      entry.note({
        resource: licenseLabel(before),
        details: {
          deleted: { product_id: before.product_id, customer_id: before.customer_id, status: before.status },
        },
      });
      if (!(await repository.delete(id, tx))) throw notFound('Licence');
      await events.emit(tx, { type: 'license.deleted', data: licenseEventData(before) });
    },

    suspend: (id: string, reason: string, tx: Executor = db, entry = NO_ENTRY) =>
      transition(id, 'suspend', reason, tx, entry),
    unsuspend: (id: string, reason: string, tx: Executor = db, entry = NO_ENTRY) =>
      transition(id, 'unsuspend', reason, tx, entry),
    revoke: (id: string, reason: string, tx: Executor = db, entry = NO_ENTRY) =>
      transition(id, 'revoke', reason, tx, entry),

    async listActivations(licenseId: string, limit: number, beforeId?: string): Promise<Page<Activation>> {
      await get(licenseId);
      return toPage(await activations.listByLicense(licenseId, limit + 1, beforeId), limit);
    },

    async removeActivation(
      licenseId: string,
      activationId: string,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<void> {
      const license = await get(licenseId, tx);
      const activation = await activations.findById(activationId, tx);
      entry.note({
        resource_id: activationId,
        resource: `Activation ${activationId} of ${licenseLabel(license)}`,
        details: {
          license_id: licenseId,
          ...(activation && { fingerprint: activation.fingerprint, hostname: activation.hostname }),
        },
      });
      if (!(await activations.deleteById(licenseId, activationId, tx))) {
        throw new AppError('ERR_ACTIVATION_NOT_FOUND');
      }
      await events.emit(tx, {
        type: 'license.deactivated',
        data: licenseEventData(license, {
          activation: { id: activationId, fingerprint: activation?.fingerprint ?? null },
        }),
      });
    },
  };
}

export type LicenseService = ReturnType<typeof createLicenseService>;
