import { sql } from 'kysely';
import type { Db, Dialect, Executor } from '../db/database.js';
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { WebhookDeliveryTable, WebhookEndpointTable } from '../db/schema.js';

/** Endpoint columns for reads: the signing secret is selected only by `secretOf`. */
const ENDPOINT_COLUMNS = [
  'id',
  'url',
  'description',
  'events',
  'enabled',
  'created_at',
  'updated_at',
] as const;

export type EndpointRow = Pick<Selectable<WebhookEndpointTable>, (typeof ENDPOINT_COLUMNS)[number]>;

const DELIVERY_COLUMNS = [
  'webhook_deliveries.id',
  'webhook_deliveries.endpoint_id',
  'webhook_deliveries.event_id',
  'webhook_deliveries.event_type',
  'webhook_deliveries.state',
  'webhook_deliveries.max_attempts',
  'webhook_deliveries.attempts',
  'webhook_deliveries.next_attempt_at',
  'webhook_deliveries.response_status',
  'webhook_deliveries.response_time_ms',
  'webhook_deliveries.error',
  'webhook_deliveries.delivered_at',
  'webhook_deliveries.give_up_at',
  'webhook_deliveries.created_at',
] as const;

export type DeliveryRow = Omit<WebhookDeliveryTable, 'lease_until'>;

/** A delivery claimed for sending, with what sending it needs. */
export interface ClaimedDelivery extends DeliveryRow {
  url: string;
  secret: string;
  event_data: unknown;
  event_created_at: string;
}

export function createWebhookRepository(db: Db, dialect: Dialect) {
  return {
    async insertEndpoint(row: Insertable<WebhookEndpointTable>, tx: Executor = db): Promise<void> {
      await tx.insertInto('webhook_endpoints').values(row).execute();
    },

    findEndpoint(id: string, tx: Executor = db): Promise<EndpointRow | undefined> {
      return tx
        .selectFrom('webhook_endpoints')
        .select(ENDPOINT_COLUMNS)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    async secretOf(id: string, tx: Executor = db): Promise<string | undefined> {
      const row = await tx
        .selectFrom('webhook_endpoints')
        .select('secret')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.secret;
    },

    listEndpoints(limit: number, beforeId?: string): Promise<EndpointRow[]> {
      let q = db.selectFrom('webhook_endpoints').select(ENDPOINT_COLUMNS).orderBy('id', 'desc').limit(limit);
      if (beforeId) q = q.where('id', '<', beforeId);
      return q.execute();
    },

    async updateEndpoint(
      id: string,
      patch: Omit<Updateable<WebhookEndpointTable>, 'id' | 'created_at'>,
      tx: Executor = db,
    ): Promise<boolean> {
      const result = await tx
        .updateTable('webhook_endpoints')
        .set(patch)
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async deleteEndpoint(id: string, tx: Executor = db): Promise<boolean> {
      // Attempts and deliveries go with it (ON DELETE CASCADE is off on SQLite unless enabled, so explicitly).
      await tx
        .deleteFrom('webhook_delivery_attempts')
        .where('delivery_id', 'in', (q) =>
          q.selectFrom('webhook_deliveries').select('id').where('endpoint_id', '=', id),
        )
        .execute();
      await tx.deleteFrom('webhook_deliveries').where('endpoint_id', '=', id).execute();
      const result = await tx.deleteFrom('webhook_endpoints').where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    listDeliveries(
      endpointId: string,
      limit: number,
      beforeId?: string,
      state?: string,
    ): Promise<DeliveryRow[]> {
      let q = db
        .selectFrom('webhook_deliveries')
        .select(DELIVERY_COLUMNS)
        .where('endpoint_id', '=', endpointId)
        .orderBy('id', 'desc')
        .limit(limit);
      if (beforeId) q = q.where('id', '<', beforeId);
      if (state) q = q.where('state', '=', state as DeliveryRow['state']);
      return q.execute();
    },

    findDelivery(endpointId: string, id: string, tx: Executor = db): Promise<DeliveryRow | undefined> {
      return tx
        .selectFrom('webhook_deliveries')
        .select(DELIVERY_COLUMNS)
        .where('endpoint_id', '=', endpointId)
        .where('id', '=', id)
        .executeTakeFirst();
    },

    attemptsOf(deliveryIds: string[]) {
      if (deliveryIds.length === 0) return Promise.resolve([]);
      return db
        .selectFrom('webhook_delivery_attempts')
        .selectAll()
        .where('delivery_id', 'in', deliveryIds)
        .orderBy('delivery_id')
        .orderBy('attempt')
        .execute();
    },

    async insertDelivery(row: WebhookDeliveryTable, tx: Executor = db): Promise<void> {
      await tx.insertInto('webhook_deliveries').values(row).execute();
    },

    /**
     * Takes up to `limit` deliveries due at `now`, at most one per endpoint and only the oldest pending
     * one of each, so an endpoint receives its events in order. A lease marks them taken: on
     * PostgreSQL the rows are read `FOR UPDATE SKIP LOCKED`, so processes claiming at the same moment
     * never take the same delivery; a process that dies leaves a lease that simply runs out.
     */
    async claimDue(
      now: string,
      leaseUntil: string,
      limit: number,
      onlyId?: string,
    ): Promise<ClaimedDelivery[]> {
      return db.transaction().execute(async (tx) => {
        let q = tx
          .selectFrom('webhook_deliveries as d')
          .select('d.id')
          .where('d.state', '=', 'pending')
          .where('d.next_attempt_at', '<=', now)
          .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<', now)]))
          .orderBy('d.id')
          .limit(limit);
        // One delivery asked for by id (a test) goes out of turn; the queue keeps each endpoint's order.
        if (onlyId) q = q.where('d.id', '=', onlyId);
        else
          q = q
            // A disabled endpoint's deliveries wait, in order, until it is enabled again.
            .where('d.endpoint_id', 'in', (eb) =>
              eb.selectFrom('webhook_endpoints').select('id').where('enabled', '=', 1),
            )
            .where(({ not, exists, selectFrom }) =>
              not(
                exists(
                  selectFrom('webhook_deliveries as e')
                    .select(sql`1`.as('one'))
                    .whereRef('e.endpoint_id', '=', 'd.endpoint_id')
                    .where('e.state', '=', 'pending')
                    .whereRef('e.id', '<', 'd.id'),
                ),
              ),
            );
        const due = await (dialect === 'postgres' ? q.forUpdate().skipLocked() : q).execute();
        if (due.length === 0) return [];
        const ids = due.map((row) => row.id);
        await tx
          .updateTable('webhook_deliveries')
          .set({ lease_until: leaseUntil })
          .where('id', 'in', ids)
          .execute();
        return tx
          .selectFrom('webhook_deliveries')
          .innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
          .innerJoin('domain_events', 'domain_events.id', 'webhook_deliveries.event_id')
          .select(DELIVERY_COLUMNS)
          .select([
            'webhook_endpoints.url',
            'webhook_endpoints.secret',
            'domain_events.data as event_data',
            'domain_events.created_at as event_created_at',
          ])
          .where('webhook_deliveries.id', 'in', ids)
          .orderBy('webhook_deliveries.id')
          .execute();
      });
    },

    /** Records one attempt and the delivery's new state, releasing its lease. */
    async recordAttempt(
      delivery: { id: string; attempt: number },
      outcome: Pick<
        WebhookDeliveryTable,
        'state' | 'response_status' | 'response_time_ms' | 'error' | 'next_attempt_at' | 'delivered_at'
      >,
      attemptedAt: string,
    ): Promise<void> {
      await db.transaction().execute(async (tx) => {
        await tx
          .insertInto('webhook_delivery_attempts')
          .values({
            delivery_id: delivery.id,
            attempt: delivery.attempt,
            attempted_at: attemptedAt,
            response_status: outcome.response_status,
            response_time_ms: outcome.response_time_ms ?? 0,
            error: outcome.error,
          })
          .execute();
        await tx
          .updateTable('webhook_deliveries')
          .set({ ...outcome, attempts: delivery.attempt, lease_until: null })
          .where('id', '=', delivery.id)
          .execute();
      });
    },
  };
}

export type WebhookRepository = ReturnType<typeof createWebhookRepository>;
