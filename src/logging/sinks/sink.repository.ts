import type { Selectable } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import { parseJson, toJson } from '../../db/json.js';
import type { LogSinkTable } from '../../db/schema.js';
import type { SinkFilters, SinkLog, SinkState, SinkType } from './sink-types.js';

/** A sink's row without its secret: what listing and showing read. */
const SHOWN_COLUMNS = [
  'id',
  'type',
  'url',
  'logs',
  'filters',
  'format',
  'enabled',
  'created_by',
  'created_at',
  'updated_at',
  'state',
  'failing_since',
  'attempts',
  'next_attempt_at',
  'last_error',
  'last_error_at',
  'delivered',
  'retried',
  'last_delivery_at',
] as const;

type StoredRow = Pick<Selectable<LogSinkTable>, (typeof SHOWN_COLUMNS)[number]>;

export interface SinkRow {
  id: string;
  type: SinkType;
  url: string;
  logs: SinkLog[];
  filters: SinkFilters;
  format: string;
  enabled: boolean;
  /** Whether a secret is stored; the secret itself is read only by `secretOf`. */
  hasSecret?: boolean;
  created_by: string | null;
  created_at: string;
  updated_at: string;
  state: SinkState;
  failing_since: number | null;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  last_error_at: string | null;
  delivered: number;
  retried: number;
  last_delivery_at: string | null;
}

function rowOf(row: StoredRow): SinkRow {
  return {
    ...row,
    type: row.type as SinkType,
    logs: parseJson<SinkLog[]>(row.logs),
    filters: parseJson<SinkFilters>(row.filters),
    enabled: Boolean(row.enabled),
    state: row.state as SinkState,
    failing_since: row.failing_since === null ? null : Number(row.failing_since),
    next_attempt_at: row.next_attempt_at === null ? null : Number(row.next_attempt_at),
    delivered: Number(row.delivered),
    retried: Number(row.retried),
  };
}

export interface NewSink {
  id: string;
  type: SinkType;
  url: string;
  logs: SinkLog[];
  filters: SinkFilters;
  format: string;
  secret: string | null;
  enabled: boolean;
  created_by: string | null;
  created_at: string;
}

/** A failed delivery as the job records it. */
export interface FailureRecord {
  attempts: number;
  failing_since: number;
  next_attempt_at: number;
  last_error: string;
  last_error_at: string;
  state: SinkState;
}

export function createSinkRepository(db: Db) {
  const shown = (tx: Executor) => tx.selectFrom('log_sinks').select(SHOWN_COLUMNS).select('secret');

  async function withSecretFlag(rows: (StoredRow & { secret: string | null })[]) {
    return rows.map(({ secret, ...row }) => ({ ...rowOf(row), hasSecret: secret !== null }));
  }

  return {
    async list(limit: number, after: string | undefined, tx: Executor = db): Promise<SinkRow[]> {
      let query = shown(tx)
        .orderBy('id')
        .limit(limit + 1);
      if (after) query = query.where('id', '>', after);
      return withSecretFlag(await query.execute());
    },

    async find(id: string, tx: Executor = db): Promise<SinkRow | null> {
      const row = await shown(tx).where('id', '=', id).executeTakeFirst();
      return row ? (await withSecretFlag([row]))[0]! : null;
    },

    /** The stored secret: for the delivery side only, never for a response. */
    async secretOf(id: string, tx: Executor = db): Promise<string | null> {
      const row = await tx.selectFrom('log_sinks').select('secret').where('id', '=', id).executeTakeFirst();
      return row?.secret ?? null;
    },

    async enabledIds(tx: Executor = db): Promise<string[]> {
      const rows = await tx
        .selectFrom('log_sinks')
        .select('id')
        .where('enabled', '=', 1)
        .where('state', '!=', 'dead_letter')
        .orderBy('id')
        .execute();
      return rows.map((row) => row.id);
    },

    async insert(sink: NewSink, tx: Executor): Promise<void> {
      await tx
        .insertInto('log_sinks')
        .values({
          ...sink,
          logs: toJson(sink.logs),
          filters: toJson(sink.filters),
          enabled: sink.enabled ? 1 : 0,
          updated_at: sink.created_at,
          state: 'active',
          attempts: 0,
          delivered: 0,
          retried: 0,
        })
        .execute();
    },

    async update(
      id: string,
      patch: Partial<Pick<NewSink, 'url' | 'logs' | 'filters' | 'format' | 'secret' | 'enabled'>> & {
        updated_at: string;
      },
      tx: Executor,
    ): Promise<void> {
      const { logs, filters, enabled, ...rest } = patch;
      await tx
        .updateTable('log_sinks')
        .set({
          ...rest,
          ...(logs && { logs: toJson(logs) }),
          ...(filters && { filters: toJson(filters) }),
          ...(enabled !== undefined && { enabled: enabled ? 1 : 0 }),
        })
        .where('id', '=', id)
        .execute();
    },

    async delete(id: string, tx: Executor): Promise<boolean> {
      await tx.deleteFrom('log_sink_cursors').where('sink_id', '=', id).execute();
      const result = await tx.deleteFrom('log_sinks').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    /** Per log, the chain position of the last entry delivered. */
    async cursors(id: string, tx: Executor = db): Promise<Map<SinkLog, number>> {
      const rows = await tx
        .selectFrom('log_sink_cursors')
        .select(['log', 'position'])
        .where('sink_id', '=', id)
        .execute();
      return new Map(rows.map((row) => [row.log as SinkLog, Number(row.position)]));
    },

    /** A log's cursor starts at its chain's current end: a sink receives what is logged from now on. */
    async startCursor(id: string, log: SinkLog, position: number, tx: Executor): Promise<void> {
      await tx
        .insertInto('log_sink_cursors')
        .values({ sink_id: id, log, position })
        .onConflict((oc) => oc.columns(['sink_id', 'log']).doNothing())
        .execute();
    },

    async dropCursor(id: string, log: SinkLog, tx: Executor): Promise<void> {
      await tx.deleteFrom('log_sink_cursors').where('sink_id', '=', id).where('log', '=', log).execute();
    },

    /**
     * Moves a cursor from `from` to `to` only if it still is at `from`: a process that lost its lease
     * mid-batch can never move a cursor back or past what another process delivered.
     */
    async advanceCursor(id: string, log: SinkLog, from: number, to: number, tx: Executor): Promise<boolean> {
      const result = await tx
        .updateTable('log_sink_cursors')
        .set({ position: to })
        .where('sink_id', '=', id)
        .where('log', '=', log)
        .where('position', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    /**
     * Takes or renews the sink's lease until `until` (epoch ms): granted when free, expired or already
     * this owner's. One conditional update, so two processes never both hold it.
     */
    async takeLease(
      id: string,
      owner: string,
      now: number,
      until: number,
      tx: Executor = db,
    ): Promise<boolean> {
      const result = await tx
        .updateTable('log_sinks')
        .set({ lease_owner: owner, lease_until: until })
        .where('id', '=', id)
        .where((eb) =>
          eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner), eb('lease_until', '<', now)]),
        )
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    async releaseLease(id: string, owner: string, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('log_sinks')
        .set({ lease_owner: null, lease_until: null })
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .execute();
    },

    async recordDelivery(id: string, delivered: number, at: string, tx: Executor): Promise<void> {
      await tx
        .updateTable('log_sinks')
        .set((eb) => ({
          state: 'active',
          attempts: 0,
          failing_since: null,
          next_attempt_at: null,
          delivered: eb('delivered', '+', delivered),
          ...(delivered > 0 && { last_delivery_at: at }),
        }))
        .where('id', '=', id)
        .execute();
    },

    async recordFailure(id: string, failure: FailureRecord, tx: Executor = db): Promise<void> {
      await tx
        .updateTable('log_sinks')
        .set((eb) => ({ ...failure, retried: eb('retried', '+', 1) }))
        .where('id', '=', id)
        .execute();
    },

    /** Back to delivery from where the cursor stands: nothing the sink missed is lost. */
    async resume(id: string, tx: Executor): Promise<void> {
      await tx
        .updateTable('log_sinks')
        .set({ state: 'active', attempts: 0, failing_since: null, next_attempt_at: null })
        .where('id', '=', id)
        .execute();
    },
  };
}

export type SinkRepository = ReturnType<typeof createSinkRepository>;
