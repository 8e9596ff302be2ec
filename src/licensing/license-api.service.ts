import { parseJson } from '../db/json.js';
import type { LicenseTable } from '../db/schema.js';
import type { CoreDeps } from '../shared/deps.js';
import { NO_EVENTS, type EventEmitter } from '../webhooks/event-outbox.js';
import { licenseEventData } from '../webhooks/webhook-events.js';
import type { ActivateBody, LicenseSummary } from './license-api.schemas.js';
import { decideLicense, effectiveStatus, type LicenseFailureCode } from './license-validation.js';
import type { Activation } from './license.schemas.js';
import type { LicenseService } from './license.service.js';

type LicenseRow = Pick<LicenseTable, 'id' | 'product_id' | 'status' | 'expires_at' | 'max_activations'> & {
  features: unknown;
  customer_id?: string | null;
};

/** The customer rides along for the API-call log; the response schema keeps it out of the answer. */
export type LoggedLicenseSummary = LicenseSummary & { customer_id: string | null };

function summary(row: LicenseRow, activationsUsed: number, now: Date): LoggedLicenseSummary {
  return {
    id: row.id,
    product_id: row.product_id,
    customer_id: row.customer_id ?? null,
    status: effectiveStatus(row, now),
    expires_at: row.expires_at,
    features: parseJson<string[]>(row.features),
    max_activations: row.max_activations,
    activations_used: activationsUsed,
  };
}

export type ApiFailureCode = LicenseFailureCode | 'ERR_ACTIVATION_NOT_FOUND';
export type Outcome<T> = { ok: true; value: T } | { ok: false; code: ApiFailureCode };

/**
 * The licence API: the hot path. Each call reads the licence once by key (seat count included) and
 * decides with the pure `decideLicense`; failures come back as values for the route to answer.
 */
export function createLicenseApiService(
  { db, clock, ids }: CoreDeps,
  licenses: LicenseService,
  events: EventEmitter = NO_EVENTS,
) {
  const { repository, activations } = licenses;

  return {
    async validate(
      key: string,
      fingerprint: string | undefined,
    ): Promise<Outcome<{ license: LoggedLicenseSummary }>> {
      const row = await repository.findByKeyWithMachine(key, fingerprint);
      if (!row) return { ok: false, code: 'ERR_LICENSE_NOT_FOUND' };
      const now = clock.now();
      const used = Number(row.activations_used ?? 0);
      const machineActivated = fingerprint === undefined ? undefined : Boolean(row.machine_activation_id);
      const decision = decideLicense(
        { ...row, activations_used: used },
        { kind: 'validate', machineActivated },
        now,
      );
      if (!decision.valid) return { ok: false, code: decision.code };
      return { ok: true, value: { license: summary(row, used, now) } };
    },

    async status(key: string): Promise<Outcome<LoggedLicenseSummary>> {
      const row = await repository.findByKeyWithMachine(key, undefined);
      if (!row) return { ok: false, code: 'ERR_LICENSE_NOT_FOUND' };
      return { ok: true, value: summary(row, Number(row.activations_used ?? 0), clock.now()) };
    },

    /**
     * Check and insert happen in one transaction holding the licence row, so parallel activations
     * can never take more seats than `max_activations`.
     */
    async activate(
      input: ActivateBody,
      ip: string | null,
    ): Promise<Outcome<{ activation: Activation; license: LoggedLicenseSummary }>> {
      return db.transaction().execute(async (tx) => {
        const row = await repository.findByKeyForUpdate(input.license_key, tx);
        if (!row) return { ok: false, code: 'ERR_LICENSE_NOT_FOUND' } as const;
        const seats = await activations.seatState(row.id, input.fingerprint, tx);
        const now = clock.now();
        const decision = decideLicense(
          { ...row, activations_used: seats.used },
          { kind: 'activate', machineActivated: seats.existingId !== null },
          now,
        );
        if (!decision.valid) return { ok: false, code: decision.code } as const;

        const at = now.toISOString();
        const details = {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.platform !== undefined && { platform: input.platform }),
          ...(input.hostname !== undefined && { hostname: input.hostname }),
          ip,
          last_seen_at: at,
        };
        const activation = seats.existingId
          ? await activations.update(seats.existingId, details, tx)
          : await activations.insert(
              {
                id: ids.next('act'),
                license_id: row.id,
                fingerprint: input.fingerprint,
                name: null,
                platform: null,
                hostname: null,
                first_seen_at: at,
                ...details,
              },
              tx,
            );
        const used = seats.used + (seats.existingId ? 0 : 1);
        // A machine checking in again is not a new activation.
        if (!seats.existingId) {
          await events.emit(tx, {
            type: 'license.activated',
            data: licenseEventData(
              {
                ...row,
                key: input.license_key,
                customer_id: row.customer_id ?? null,
                status: effectiveStatus(row, now),
              },
              {
                activation: {
                  id: activation.id,
                  fingerprint: activation.fingerprint,
                  hostname: activation.hostname,
                },
              },
            ),
          });
        }
        return { ok: true, value: { activation, license: summary(row, used, now) } } as const;
      });
    },

    async deactivate(key: string, fingerprint: string): Promise<Outcome<{ license: LoggedLicenseSummary }>> {
      const row = await repository.findByKeyWithMachine(key, undefined);
      if (!row) return { ok: false, code: 'ERR_LICENSE_NOT_FOUND' };
      // The seat is freed and its event recorded together.
      const deleted = await db.transaction().execute(async (tx) => {
        if (!(await activations.deleteByFingerprint(row.id, fingerprint, tx))) return false;
        await events.emit(tx, {
          type: 'license.deactivated',
          data: licenseEventData(
            { ...row, key, customer_id: row.customer_id ?? null, status: effectiveStatus(row, clock.now()) },
            { activation: { fingerprint } },
          ),
        });
        return true;
      });
      if (!deleted) {
        return { ok: false, code: 'ERR_ACTIVATION_NOT_FOUND' };
      }
      const used = Math.max(0, Number(row.activations_used ?? 0) - 1);
      return { ok: true, value: { license: summary(row, used, clock.now()) } };
    },
  };
}

export type LicenseApiService = ReturnType<typeof createLicenseApiService>;
