import type { Executor } from '../db/database.js';
import { parseJson, toJson } from '../db/json.js';
import type { CoreDeps } from '../shared/deps.js';
import type { DomainEvent } from './webhook-events.js';

/** An event as stored in the outbox, with its stable id (`evt_…`). */
export interface StoredEvent extends DomainEvent {
  id: string;
  created_at: string;
}

/** What else happens in the event's transaction (licence emails are queued this way). */
export type EventListener = (tx: Executor, events: StoredEvent[]) => Promise<void>;

/**
 * What the licensing services emit through. `emit` must be given the transaction of the change: the
 * event, its deliveries and its emails then commit or roll back with it, so none is lost or invented.
 */
export interface EventEmitter {
  emit(tx: Executor, events: DomainEvent | DomainEvent[]): Promise<void>;
}

/** For services built without webhooks (tools, some tests): events go nowhere. */
export const NO_EVENTS: EventEmitter = { emit: async () => {} };

const INSERT_CHUNK = 200;

async function insertChunked<T>(rows: T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await insert(rows.slice(i, i + INSERT_CHUNK));
}

/** The transactional outbox (ADR 0014): events, one delivery per subscribed endpoint, listeners' rows. */
export function createEventOutbox({ clock, ids, config }: Pick<CoreDeps, 'clock' | 'ids' | 'config'>) {
  const listeners: EventListener[] = [];

  async function emit(tx: Executor, input: DomainEvent | DomainEvent[]): Promise<StoredEvent[]> {
    const list = Array.isArray(input) ? input : [input];
    if (list.length === 0) return [];
    const now = clock.now();
    const at = now.toISOString();
    const events: StoredEvent[] = list.map((event) => ({ ...event, id: ids.next('evt'), created_at: at }));
    await insertChunked(events, (chunk) =>
      tx
        .insertInto('domain_events')
        .values(
          chunk.map((e) => ({ id: e.id, type: e.type, data: toJson(e.data), created_at: e.created_at })),
        )
        .execute(),
    );
    const endpoints = await tx
      .selectFrom('webhook_endpoints')
      .select(['id', 'events'])
      .where('enabled', '=', 1)
      .orderBy('id')
      .execute();
    const giveUpAt = new Date(now.getTime() + config.events.giveUpHours * 3_600_000).toISOString();
    const deliveries = events.flatMap((event) =>
      endpoints
        .filter((endpoint) => parseJson<string[]>(endpoint.events).includes(event.type))
        .map((endpoint) => ({
          id: ids.next('dlv'),
          endpoint_id: endpoint.id,
          event_id: event.id,
          event_type: event.type,
          state: 'pending' as const,
          max_attempts: config.events.maxAttempts,
          attempts: 0,
          next_attempt_at: at,
          lease_until: null,
          response_status: null,
          response_time_ms: null,
          error: null,
          delivered_at: null,
          give_up_at: giveUpAt,
          created_at: at,
        })),
    );
    await insertChunked(deliveries, (chunk) => tx.insertInto('webhook_deliveries').values(chunk).execute());
    for (const listener of listeners) await listener(tx, events);
    return events;
  }

  return {
    emit: async (tx: Executor, input: DomainEvent | DomainEvent[]) => {
      await emit(tx, input);
    },
    /** Emits and returns the stored events (the test delivery needs its event's id). */
    emitStored: emit,
    /** Listeners run inside the emitting transaction. */
    listen(listener: EventListener): void {
      listeners.push(listener);
    },
  };
}

export type EventOutbox = ReturnType<typeof createEventOutbox>;
