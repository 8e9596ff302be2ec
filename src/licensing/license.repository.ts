import type { Expression, ExpressionBuilder, Insertable, SqlBool, Updateable } from 'kysely';
import type { Dialect, Executor } from '../db/database.js';
import { reusableQuery } from '../db/reusable-query.js';
import type { Database, LicenseTable } from '../db/schema.js';
import type { LicenseFilters } from './license.schemas.js';
import { containsText } from './text-search.js';

const COLUMNS = [
  'licenses.id',
  'licenses.key',
  'licenses.product_id',
  'licenses.customer_id',
  'licenses.status',
  'licenses.status_reason',
  'licenses.max_activations',
  'licenses.expires_at',
  'licenses.features',
  'licenses.metadata',
  'licenses.created_at',
  'licenses.updated_at',
] as const;

type LicenseEb = ExpressionBuilder<Database, 'licenses'>;

/** Counted in the same statement as the licence, so a list never costs one query per row. */
const activationsUsed = (eb: LicenseEb) =>
  eb
    .selectFrom('activations')
    .select((sub) => sub.fn.countAll<number>().as('n'))
    .whereRef('activations.license_id', '=', 'licenses.id')
    .as('activations_used');

/** Expiry is a matter of time, not of the stored status, so the status filter compares with `now`. */
function matches(eb: LicenseEb, filters: LicenseFilters, now: string): Expression<SqlBool> {
  const conditions: Expression<SqlBool>[] = [];
  if (filters.product_id) conditions.push(eb('licenses.product_id', '=', filters.product_id));
  if (filters.customer_id) conditions.push(eb('licenses.customer_id', '=', filters.customer_id));
  if (filters.q) {
    conditions.push(
      eb.or([
        containsText(['licenses.key'], filters.q),
        eb(
          'licenses.customer_id',
          'in',
          eb
            .selectFrom('customers')
            .select('customers.id')
            .where(containsText(['customers.name', 'customers.email'], filters.q)),
        ),
      ]),
    );
  }
  const notExpired = eb.or([eb('licenses.expires_at', 'is', null), eb('licenses.expires_at', '>', now)]);
  if (filters.status === 'active') {
    conditions.push(eb.and([eb('licenses.status', '=', 'active'), notExpired]));
  } else if (filters.status === 'expired') {
    conditions.push(
      eb.or([
        eb('licenses.status', '=', 'expired'),
        eb.and([eb('licenses.status', '=', 'active'), eb('licenses.expires_at', '<=', now)]),
      ]),
    );
  } else if (filters.status) {
    conditions.push(eb('licenses.status', '=', filters.status));
  }
  return eb.and(conditions);
}

export function createLicenseRepository(db: Executor, dialect: Dialect) {
  // The licence API's one read: the licence, its seat count and, when a fingerprint is given, that
  // machine's activation id, in a single statement compiled once.
  const byKey = reusableQuery(db, 1, (key: string) =>
    db.selectFrom('licenses').select(COLUMNS).select(activationsUsed).where('licenses.key', '=', key),
  );
  const byKeyWithMachine = reusableQuery(db, 2, (key: string, fingerprint: string) =>
    db
      .selectFrom('licenses')
      .select(COLUMNS)
      .select(activationsUsed)
      .select((eb) =>
        eb
          .selectFrom('activations')
          .select('activations.id')
          .whereRef('activations.license_id', '=', 'licenses.id')
          .where('activations.fingerprint', '=', fingerprint)
          .as('machine_activation_id'),
      )
      .where('licenses.key', '=', key),
  );

  return {
    async insert(rows: Insertable<LicenseTable>[], tx: Executor = db): Promise<void> {
      // Chunked so a large import stays under both stores' bound-parameter limits.
      for (let i = 0; i < rows.length; i += 500) {
        await tx
          .insertInto('licenses')
          .values(rows.slice(i, i + 500))
          .execute();
      }
    },

    async findById(id: string, tx: Executor = db) {
      return tx
        .selectFrom('licenses')
        .select(COLUMNS)
        .select(activationsUsed)
        .where('licenses.id', '=', id)
        .executeTakeFirst();
    },

    /**
     * The licence API's one read: the licence, its seat count and, when a fingerprint is given, that
     * machine's activation id, in a single statement.
     */
    async findByKeyWithMachine(key: string, fingerprint: string | undefined) {
      if (fingerprint !== undefined) return byKeyWithMachine(key, fingerprint);
      const row = await byKey(key);
      return row && { ...row, machine_activation_id: null };
    },

    /**
     * Reads the licence inside a transaction and, on PostgreSQL, locks its row so concurrent
     * activations of one licence queue up; SQLite's single connection serialises transactions anyway.
     */
    async findByKeyForUpdate(key: string, tx: Executor) {
      const query = tx.selectFrom('licenses').select(COLUMNS).where('licenses.key', '=', key);
      return (dialect === 'postgres' ? query.forUpdate() : query).executeTakeFirst();
    },

    async list(
      filters: LicenseFilters,
      now: string,
      limit: number,
      beforeId: string | undefined,
      tx: Executor = db,
    ) {
      let query = tx
        .selectFrom('licenses')
        .select(COLUMNS)
        .select(activationsUsed)
        .where((eb) => matches(eb, filters, now))
        .orderBy('licenses.id', 'desc')
        .limit(limit);
      if (beforeId) query = query.where('licenses.id', '<', beforeId);
      return query.execute();
    },

    async update(id: string, patch: Updateable<LicenseTable>, tx: Executor = db): Promise<boolean> {
      const result = await tx.updateTable('licenses').set(patch).where('id', '=', id).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async delete(id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx.deleteFrom('licenses').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    /** Which of `keys` are already taken. */
    async existingKeys(keys: readonly string[], tx: Executor = db): Promise<Set<string>> {
      const taken = new Set<string>();
      for (let i = 0; i < keys.length; i += 1000) {
        const rows = await tx
          .selectFrom('licenses')
          .select('key')
          .where('key', 'in', keys.slice(i, i + 1000))
          .execute();
        for (const row of rows) taken.add(row.key);
      }
      return taken;
    },

    async keyOf(id: string, tx: Executor = db): Promise<string | null> {
      const row = await tx.selectFrom('licenses').select('key').where('id', '=', id).executeTakeFirst();
      return row?.key ?? null;
    },

    /** The request logs find a customer's API calls by the keys its licences are called with. */
    async keysOfCustomer(customerId: string, tx: Executor = db): Promise<string[]> {
      const rows = await tx
        .selectFrom('licenses')
        .select('key')
        .where('customer_id', '=', customerId)
        .execute();
      return rows.map((row) => row.key);
    },
  };
}

export type LicenseRepository = ReturnType<typeof createLicenseRepository>;
