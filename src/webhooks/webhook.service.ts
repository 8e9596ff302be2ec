import type { Executor } from '../db/database.js';
import { parseJson, toJson } from '../db/json.js';
import { AppError, notFound, validationError } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { NO_ENTRY, type ActivityEntry } from '../logging/activity.service.js';
import type { CoreDeps } from '../shared/deps.js';
import { randomBase62 } from '../shared/random.js';
import type { EventOutbox } from './event-outbox.js';
import type {
  CreateWebhookBody,
  UpdateWebhookBody,
  WebhookDelivery,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
} from './webhook.schemas.js';
import type { ClaimedDelivery, DeliveryRow, EndpointRow, WebhookRepository } from './webhook.repository.js';

const SECRET_PREFIX = 'whsec_';

/** `whsec_...Xy9z`: enough to tell two secrets apart, nothing to sign with. */
export function maskWebhookSecret(secret: string): string {
  return `${SECRET_PREFIX}...${secret.slice(-4)}`;
}

function toEndpoint(row: EndpointRow, secret: string): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: parseJson<string[]>(row.events),
    enabled: Number(row.enabled) === 1,
    secret_masked: maskWebhookSecret(secret),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}

/** http(s) only, and no user:password in the URL: the endpoint is shown back, and logged. */
function checkUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw validationError([{ field: 'url', message: 'is not a valid URL' }]);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw validationError([{ field: 'url', message: 'must be an http:// or https:// URL' }]);
  }
  if (parsed.username || parsed.password) {
    throw validationError([{ field: 'url', message: 'must not contain a user name or password' }]);
  }
}

const label = (row: { id: string; url: string }) => `Webhook endpoint ${row.id} (${row.url})`;
const AUDITED = ['url', 'events', 'description', 'enabled'] as const;

export function createWebhookService(
  { db, clock, ids, config }: Pick<CoreDeps, 'db' | 'clock' | 'ids' | 'config'>,
  deps: {
    repository: WebhookRepository;
    outbox: EventOutbox;
    send(delivery: ClaimedDelivery): Promise<void>;
    leaseMs: number;
  },
) {
  const { repository } = deps;

  async function find(id: string, tx: Executor = db) {
    const row = await repository.findEndpoint(id, tx);
    const secret = row && (await repository.secretOf(id, tx));
    if (!row || secret === undefined) throw notFound('Webhook endpoint');
    return { row, secret };
  }

  async function get(id: string, tx: Executor = db): Promise<WebhookEndpoint> {
    const { row, secret } = await find(id, tx);
    return toEndpoint(row, secret);
  }

  async function withAttempts(rows: DeliveryRow[]): Promise<WebhookDelivery[]> {
    const attempts = await repository.attemptsOf(rows.map((row) => row.id));
    return rows.map((row) => ({
      id: row.id,
      endpoint_id: row.endpoint_id,
      event_id: row.event_id,
      event_type: row.event_type,
      state: row.state,
      attempts: row.attempts,
      max_attempts: row.max_attempts,
      response_status: row.response_status,
      response_time_ms: row.response_time_ms,
      error: row.error,
      next_retry_at: row.state === 'pending' ? row.next_attempt_at : null,
      delivered_at: row.delivered_at,
      created_at: row.created_at,
      attempt_history: attempts
        .filter((a) => a.delivery_id === row.id)
        .map(({ delivery_id: _, ...attempt }) => attempt),
    }));
  }

  async function delivery(endpointId: string, deliveryId: string): Promise<WebhookDelivery> {
    const row = await repository.findDelivery(endpointId, deliveryId);
    if (!row) throw notFound('Delivery');
    return (await withAttempts([row]))[0]!;
  }

  /** A new pending delivery of an existing event to one endpoint, now. */
  function newDelivery(endpointId: string, event: { id: string; type: string }, maxAttempts: number) {
    const now = clock.now();
    return {
      id: ids.next('dlv'),
      endpoint_id: endpointId,
      event_id: event.id,
      event_type: event.type,
      state: 'pending' as const,
      max_attempts: maxAttempts,
      attempts: 0,
      next_attempt_at: now.toISOString(),
      lease_until: null,
      response_status: null,
      response_time_ms: null,
      error: null,
      delivered_at: null,
      give_up_at: new Date(now.getTime() + config.events.giveUpHours * 3_600_000).toISOString(),
      created_at: now.toISOString(),
    };
  }

  /** Sends one delivery now, out of the queue's turn, and returns how it went. */
  async function sendNow(endpointId: string, deliveryId: string): Promise<WebhookDelivery> {
    const now = clock.now();
    const [claimed] = await repository.claimDue(
      now.toISOString(),
      new Date(now.getTime() + deps.leaseMs).toISOString(),
      1,
      deliveryId,
    );
    if (claimed) await deps.send(claimed);
    return delivery(endpointId, deliveryId);
  }

  return {
    get,

    async list(limit: number, beforeId?: string): Promise<Page<WebhookEndpoint>> {
      const rows = await repository.listEndpoints(limit + 1, beforeId);
      const endpoints = [];
      for (const row of rows) endpoints.push(toEndpoint(row, (await repository.secretOf(row.id)) ?? ''));
      return toPage(endpoints, limit);
    },

    async create(
      input: CreateWebhookBody,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<WebhookEndpointWithSecret> {
      checkUrl(input.url);
      const now = clock.now().toISOString();
      const secret = SECRET_PREFIX + randomBase62(32);
      const row = {
        id: ids.next('whk'),
        url: input.url,
        description: input.description ?? null,
        events: toJson(input.events),
        enabled: input.enabled === false ? 0 : 1,
        secret,
        created_at: now,
        updated_at: now,
      };
      await repository.insertEndpoint(row, tx);
      const endpoint = toEndpoint(row, secret);
      entry.note({
        resource_id: endpoint.id,
        resource: label(endpoint),
        details: {
          changes: Object.fromEntries(AUDITED.map((f) => [f, { before: null, after: endpoint[f] }])),
        },
      });
      return { ...endpoint, secret };
    },

    async update(
      id: string,
      input: UpdateWebhookBody,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<WebhookEndpoint> {
      if (input.url !== undefined) checkUrl(input.url);
      const before = await get(id, tx);
      await repository.updateEndpoint(
        id,
        {
          ...(input.url !== undefined && { url: input.url }),
          ...(input.events !== undefined && { events: toJson(input.events) }),
          ...(input.description !== undefined && { description: input.description }),
          ...(input.enabled !== undefined && { enabled: input.enabled ? 1 : 0 }),
          updated_at: clock.now().toISOString(),
        },
        tx,
      );
      const after = await get(id, tx);
      entry.note({
        resource: label(after),
        details: {
          changes: Object.fromEntries(
            AUDITED.filter((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f])).map((f) => [
              f,
              { before: before[f], after: after[f] },
            ]),
          ),
        },
      });
      return after;
    },

    /** A new signing secret, shown once; the old one stops working at once. */
    async rotateSecret(
      id: string,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<WebhookEndpointWithSecret> {
      const before = await get(id, tx);
      const secret = SECRET_PREFIX + randomBase62(32);
      await repository.updateEndpoint(id, { secret, updated_at: clock.now().toISOString() }, tx);
      const after = await get(id, tx);
      entry.note({
        resource: label(after),
        // Masked forms only; named so the activity log's secret scrubber keeps them readable.
        details: { signing_key: { before: before.secret_masked, after: after.secret_masked } },
      });
      return { ...after, secret };
    },

    /** Its delivery history goes with it; the events stay. */
    async remove(id: string, tx: Executor = db, entry: ActivityEntry = NO_ENTRY): Promise<void> {
      const before = await get(id, tx);
      entry.note({
        resource: label(before),
        details: { deleted: { url: before.url, events: before.events } },
      });
      if (!(await repository.deleteEndpoint(id, tx))) throw notFound('Webhook endpoint');
    },

    async deliveries(
      endpointId: string,
      limit: number,
      beforeId?: string,
      state?: string,
    ): Promise<Page<WebhookDelivery>> {
      await get(endpointId);
      const rows = await repository.listDeliveries(endpointId, limit + 1, beforeId, state);
      const page = toPage(rows, limit);
      return { data: await withAttempts(page.data), next_cursor: page.next_cursor };
    },

    /**
     * Queues a `webhook.test` event for this endpoint alone (in the audited transaction); `send`
     * then delivers it at once. A test is tried once: a failing test never holds up real events.
     */
    async queueTest(id: string, tx: Executor = db, entry: ActivityEntry = NO_ENTRY): Promise<string> {
      const endpoint = await get(id, tx);
      const [event] = await deps.outbox.emitStored(tx, {
        type: 'webhook.test',
        data: { endpoint_id: endpoint.id, message: 'A test delivery from KeyManager.' },
      });
      const row = newDelivery(endpoint.id, event!, 1);
      await repository.insertDelivery(row, tx);
      entry.note({ resource: label(endpoint), details: { event_id: event!.id, delivery_id: row.id } });
      return row.id;
    },

    sendNow,
    delivery,

    /** A failed delivery's event sent again, as a new delivery at the end of the endpoint's queue. */
    async redeliver(
      endpointId: string,
      deliveryId: string,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<string> {
      const endpoint = await get(endpointId, tx);
      const failed = await repository.findDelivery(endpointId, deliveryId, tx);
      if (!failed) throw notFound('Delivery');
      entry.note({
        resource: label(endpoint),
        details: { delivery_id: deliveryId, event_id: failed.event_id },
      });
      if (failed.state !== 'failed') {
        throw new AppError(
          'ERR_CONFLICT',
          `The delivery is ${failed.state}; only a failed delivery is sent again.`,
        );
      }
      const row = newDelivery(
        endpointId,
        { id: failed.event_id, type: failed.event_type },
        config.events.maxAttempts,
      );
      await repository.insertDelivery(row, tx);
      entry.note({
        details: { delivery_id: deliveryId, new_delivery_id: row.id, event_id: failed.event_id },
      });
      return row.id;
    },
  };
}

export type WebhookService = ReturnType<typeof createWebhookService>;
