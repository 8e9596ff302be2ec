import { sql, type Insertable, type Updateable } from 'kysely';
import type { Executor } from '../db/database.js';
import type { ActivationTable } from '../db/schema.js';

const COLUMNS = [
  'id',
  'license_id',
  'fingerprint',
  'name',
  'platform',
  'hostname',
  'ip',
  'first_seen_at',
  'last_seen_at',
] as const;

export function createActivationRepository(db: Executor) {
  return {
    /** Seats taken and this machine's activation, if any, in one statement. */
    async seatState(
      licenseId: string,
      fingerprint: string,
      tx: Executor = db,
    ): Promise<{ used: number; existingId: string | null }> {
      const row = await tx
        .selectFrom('activations')
        .select((eb) => [
          eb.fn.countAll<number>().as('used'),
          sql<
            string | null
          >`max(case when ${sql.ref('fingerprint')} = ${fingerprint} then ${sql.ref('id')} end)`.as(
            'existing_id',
          ),
        ])
        .where('license_id', '=', licenseId)
        .executeTakeFirstOrThrow();
      return { used: Number(row.used), existingId: row.existing_id };
    },

    async insert(row: Insertable<ActivationTable>, tx: Executor = db) {
      return tx.insertInto('activations').values(row).returning(COLUMNS).executeTakeFirstOrThrow();
    },

    async update(id: string, patch: Updateable<ActivationTable>, tx: Executor = db) {
      return tx
        .updateTable('activations')
        .set(patch)
        .where('id', '=', id)
        .returning(COLUMNS)
        .executeTakeFirstOrThrow();
    },

    async findById(id: string, tx: Executor = db) {
      return tx.selectFrom('activations').select(COLUMNS).where('id', '=', id).executeTakeFirst();
    },

    async listByLicense(licenseId: string, limit: number, beforeId: string | undefined, tx: Executor = db) {
      let query = tx
        .selectFrom('activations')
        .select(COLUMNS)
        .where('license_id', '=', licenseId)
        .orderBy('id', 'desc')
        .limit(limit);
      if (beforeId) query = query.where('id', '<', beforeId);
      return query.execute();
    },

    async deleteByFingerprint(licenseId: string, fingerprint: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('activations')
        .where('license_id', '=', licenseId)
        .where('fingerprint', '=', fingerprint)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async deleteById(licenseId: string, id: string, tx: Executor = db): Promise<boolean> {
      const result = await tx
        .deleteFrom('activations')
        .where('license_id', '=', licenseId)
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numDeletedRows > 0n;
    },
  };
}

export type ActivationRepository = ReturnType<typeof createActivationRepository>;
