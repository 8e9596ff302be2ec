import { AppError, notFound } from '../../http/errors.js';
import { encodeCursor, type Page } from '../../http/pagination.js';
import type { CoreDeps } from '../../shared/deps.js';
import type { Audited } from '../activity.service.js';
import { chainEnd, readAfter } from './sink-entries.js';
import { checkSinkSettings, maskSecret, type SinkSettings } from './sink-input.js';
import type { SinkRepository, SinkRow } from './sink.repository.js';
import type { CreateSinkBody, LogSink, SinkHealth, SinkTestResult, UpdateSinkBody } from './sink.schemas.js';
import { reasonOf, type SinkTransport } from './sink-transport.js';
import { SINK_FORMATS, SINK_LOGS, type SinkEntry, type SinkLog } from './sink-types.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What a sink's activity entry says about it: never the secret, only whether one is set. */
function described(settings: Omit<SinkSettings, 'secret'> & { secret: unknown }) {
  return {
    type: settings.type,
    url: settings.url,
    logs: settings.logs,
    filters: settings.filters,
    format: settings.format,
    enabled: settings.enabled,
    credential: settings.secret ? 'set' : 'none',
  };
}

export interface SinkServiceDeps {
  core: Pick<CoreDeps, 'db' | 'clock' | 'ids'>;
  repository: SinkRepository;
  transport: SinkTransport;
}

export function createSinkService({ core, repository, transport }: SinkServiceDeps) {
  const { db, clock, ids } = core;

  /** Lag and delivery figures of one sink, measured against the chains' ends read once per call. */
  async function healthOf(row: SinkRow, ends: Map<SinkLog, number>): Promise<SinkHealth> {
    const cursors = await repository.cursors(row.id);
    let lagEntries = 0;
    let oldest: number | null = null;
    for (const log of row.logs) {
      let end = ends.get(log);
      if (end === undefined) ends.set(log, (end = await chainEnd(db, log)));
      const cursor = cursors.get(log) ?? end;
      if (end <= cursor) continue;
      lagEntries += end - cursor;
      const next = await readAfter(db, log, cursor, 1, end);
      const first = next.entries[0];
      if (first) {
        const at = Date.parse(first.fields.timestamp);
        oldest = oldest === null ? at : Math.min(oldest, at);
      }
    }
    const now = clock.now().getTime();
    return {
      state: row.state,
      lag_entries: lagEntries,
      lag_seconds: oldest === null ? 0 : Math.max(0, (now - oldest) / 1000),
      delivered: row.delivered,
      retried: row.retried,
      failing_since: iso(row.failing_since),
      next_attempt_at: iso(row.next_attempt_at),
      last_error: row.last_error,
      last_error_at: row.last_error_at,
      last_delivery_at: row.last_delivery_at,
    };
  }

  async function shown(row: SinkRow, ends = new Map<SinkLog, number>()): Promise<LogSink> {
    const secret = row.hasSecret ? await repository.secretOf(row.id) : null;
    return {
      id: row.id,
      type: row.type,
      url: row.url,
      logs: row.logs,
      filters: row.filters,
      format: row.format,
      secret: maskSecret(secret),
      enabled: row.enabled,
      created_by: row.created_by,
      created_at: row.created_at,
      updated_at: row.updated_at,
      health: await healthOf(row, ends),
    };
  }

  async function found(id: string): Promise<SinkRow> {
    const row = await repository.find(id);
    if (!row) throw notFound('Log sink');
    return row;
  }

  return {
    healthOf,

    async list(limit: number, after: string | undefined): Promise<Page<LogSink>> {
      const rows = await repository.list(limit, after);
      const more = rows.length > limit;
      const page = rows.slice(0, limit);
      const ends = new Map<SinkLog, number>();
      const data: LogSink[] = [];
      for (const row of page) data.push(await shown(row, ends));
      return { data, next_cursor: more ? encodeCursor(page.at(-1)!.id) : null };
    },

    async get(id: string): Promise<LogSink> {
      return shown(await found(id));
    },

    async create(input: CreateSinkBody, audited: Audited, by: string | null): Promise<LogSink> {
      const settings = checkSinkSettings({
        type: input.type,
        url: input.url,
        logs: input.logs,
        filters: input.filters ?? {},
        format: input.format ?? SINK_FORMATS[input.type][0]!,
        secret: input.secret ?? null,
        enabled: input.enabled ?? true,
      });
      const id = await audited(async (tx, entry) => {
        const id = ids.next('snk');
        await repository.insert(
          { id, ...settings, created_by: by, created_at: clock.now().toISOString() },
          tx,
        );
        // Each log from its chain's end as this transaction reads it: the sink gets what comes next.
        for (const log of settings.logs) await repository.startCursor(id, log, await chainEnd(tx, log), tx);
        entry.note({ resource_id: id, resource: `${settings.type} sink`, details: described(settings) });
        return id;
      });
      return shown(await found(id));
    },

    async update(id: string, patch: UpdateSinkBody, audited: Audited): Promise<LogSink> {
      await audited(async (tx, entry) => {
        const row = await repository.find(id, tx);
        if (!row) throw notFound('Log sink');
        const secret = await repository.secretOf(id, tx);
        const before: SinkSettings = { ...row, secret };
        const after = checkSinkSettings({
          ...before,
          ...(patch.url !== undefined && { url: patch.url }),
          ...(patch.logs !== undefined && { logs: patch.logs }),
          ...(patch.filters !== undefined && { filters: patch.filters }),
          ...(patch.format !== undefined && { format: patch.format }),
          ...(patch.enabled !== undefined && { enabled: patch.enabled }),
          ...(patch.secret !== undefined && { secret: patch.secret }),
        });
        await repository.update(
          id,
          {
            url: after.url,
            logs: after.logs,
            filters: after.filters,
            format: after.format,
            enabled: after.enabled,
            secret: after.secret,
            updated_at: clock.now().toISOString(),
          },
          tx,
        );
        for (const log of SINK_LOGS) {
          const had = before.logs.includes(log);
          const has = after.logs.includes(log);
          if (!had && has) await repository.startCursor(id, log, await chainEnd(tx, log), tx);
          if (had && !has) await repository.dropCursor(id, log, tx);
        }
        const changes: Record<string, unknown> = {};
        const was = described(before);
        const now = described(after);
        for (const key of Object.keys(now) as (keyof typeof now)[]) {
          if (JSON.stringify(was[key]) !== JSON.stringify(now[key]))
            changes[key] = { from: was[key], to: now[key] };
        }
        if (patch.secret !== undefined && before.secret && after.secret) changes.credential = 'replaced';
        entry.note({ resource: `${row.type} sink`, details: { changes } });
      });
      return shown(await found(id));
    },

    async delete(id: string, audited: Audited): Promise<void> {
      await audited(async (tx, entry) => {
        const row = await repository.find(id, tx);
        if (!row) throw notFound('Log sink');
        entry.note({
          resource: `${row.type} sink`,
          details: { deleted: described({ ...row, secret: row.hasSecret }) },
        });
        if (!(await repository.delete(id, tx))) throw notFound('Log sink');
      });
    },

    /** Delivery starts again from the sink's cursor: what it missed while dead-lettered comes next. */
    async resume(id: string, audited: Audited): Promise<LogSink> {
      await audited(async (tx, entry) => {
        const row = await repository.find(id, tx);
        if (!row) throw notFound('Log sink');
        if (row.state === 'active')
          throw new AppError('ERR_CONFLICT', 'The log sink is delivering; nothing to resume.');
        entry.note({
          resource: `${row.type} sink`,
          details: { state: row.state, last_error: row.last_error },
        });
        await repository.resume(id, tx);
      });
      return shown(await found(id));
    },

    /**
     * Sends one made-up entry (position 0, action `LOG_SINK_TESTED`) the way deliveries go, and says
     * whether the receiver took it. Neither the cursor nor the sink's health changes.
     */
    async test(id: string, audited: Audited, by: string): Promise<SinkTestResult> {
      return audited(async (tx, entry) => {
        const row = await repository.find(id, tx);
        if (!row) throw notFound('Log sink');
        const secret = await repository.secretOf(id, tx);
        const now = clock.now();
        const probe: SinkEntry = {
          log: 'activity',
          seq: 0,
          fields: {
            id: ids.next('log'),
            timestamp: now.toISOString(),
            admin_user: by,
            actor_type: 'system',
            channel: 'api',
            action_type: 'LOG_SINK_TESTED',
            resource_type: 'log_sink',
            resource_id: id,
            resource: `${row.type} sink`,
            details: { test: true },
            result: 'success',
            error_code: null,
            ip: null,
            session_id: null,
            user_agent: null,
          },
        };
        const started = Date.now();
        let error: string | null = null;
        try {
          await transport.send({ ...row, secret }, [probe], now);
        } catch (failure) {
          error = reasonOf(failure, 0);
        }
        const result = { ok: error === null, error, duration_ms: Date.now() - started };
        entry.note({ resource: `${row.type} sink`, details: { ok: result.ok, error } });
        return result;
      });
    },
  };
}

export type SinkService = ReturnType<typeof createSinkService>;
