import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { CoreDeps } from '../shared/deps.js';
import type { EventEmitter } from './event-outbox.js';
import { licenseEventData } from './webhook-events.js';

const DAY_MS = 86_400_000;
const BATCH = 200;

/**
 * Emits `license.expiring` (within `expiringDays` of the expiry) and `license.expired` once per licence
 * and expiry date. The notice row and the event are written in one transaction, and the notice's key
 * is unique, so processes scanning at once emit each event once; a licence given a new expiry date is
 * noticed again. Suspended and revoked licences are left alone: their holders already heard.
 */
export function createLicenseExpiryScan(
  { db, clock, config }: Pick<CoreDeps, 'clock' | 'config'> & { db: Db },
  events: EventEmitter,
) {
  async function scanKind(kind: 'expiring' | 'expired', now: Date): Promise<number> {
    const at = now.toISOString();
    const horizon = new Date(now.getTime() + config.events.expiringDays * DAY_MS).toISOString();
    let emitted = 0;
    for (;;) {
      let q = db
        .selectFrom('licenses as l')
        .select([
          'l.id',
          'l.key',
          'l.product_id',
          'l.customer_id',
          'l.status',
          'l.expires_at',
          'l.max_activations',
        ])
        .where('l.status', '=', 'active')
        .where('l.expires_at', 'is not', null)
        .where(({ not, exists, selectFrom }) =>
          not(
            exists(
              selectFrom('license_expiry_notices as n')
                .select(sql`1`.as('one'))
                .whereRef('n.license_id', '=', 'l.id')
                .where('n.kind', '=', kind)
                .whereRef('n.expires_at', '=', 'l.expires_at'),
            ),
          ),
        )
        .orderBy('l.id')
        .limit(BATCH);
      q =
        kind === 'expired'
          ? q.where('l.expires_at', '<=', at)
          : q.where('l.expires_at', '>', at).where('l.expires_at', '<=', horizon);
      const due = await q.execute();
      for (const license of due) {
        const expiresAt = license.expires_at!;
        await db.transaction().execute(async (tx) => {
          const inserted = await tx
            .insertInto('license_expiry_notices')
            .values({ license_id: license.id, kind, expires_at: expiresAt, created_at: at })
            .onConflict((oc) => oc.doNothing())
            .executeTakeFirst();
          if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return;
          const daysLeft = Math.max(0, Math.ceil((new Date(expiresAt).getTime() - now.getTime()) / DAY_MS));
          await events.emit(tx, {
            type: kind === 'expired' ? 'license.expired' : 'license.expiring',
            data: licenseEventData(
              { ...license, status: kind === 'expired' ? 'expired' : license.status },
              kind === 'expiring' ? { days_left: daysLeft } : {},
            ),
          });
          emitted++;
        });
      }
      if (due.length < BATCH) return emitted;
    }
  }

  return {
    /** One scan at the clock's time; returns how many events were emitted. */
    async run(): Promise<number> {
      const now = clock.now();
      return (await scanKind('expiring', now)) + (await scanKind('expired', now));
    },
  };
}
