import { sql } from 'kysely';
import type { Dialect, Db, Executor } from '../db/database.js';
import { parseJson } from '../db/json.js';
import type { ApiCallFilter, BlockedFilter } from '../logging/analytics/rollup.repository.js';
import { idBytesAt } from '../logging/analytics/time-buckets.js';
import { idBoundary } from '../logging/log-entry.js';
import { ipFromStored } from '../logging/request-log.codec.js';
import type { Window } from '../logging/analytics/window-counts.js';

export interface ActivityFact {
  id: string;
  timestamp: string;
  admin_user: string;
  action_type: string;
  resource_type: string;
  resource: string | null;
  details: Record<string, unknown>;
}

export interface IpCount {
  ip: string;
  count: number;
}

/** At most this many addresses per rule and evaluation: a botnet's long tail is summed, not listed. */
const MAX_GROUPS = 100;

/**
 * The log reads alert rules make that the analytics' window counts do not answer: counts per address
 * and the recent activity entries. Every one is a primary-key range (ids start with their time), so a
 * rule reads its window, never the table.
 */
export function createAlertReads(db: Db, dialect: Dialect) {
  return {
    /** API calls matching `filter` per client address in the window, from `min` calls on. */
    async apiCallsPerIp(
      w: Window,
      filter: ApiCallFilter & { errorCodes?: readonly string[] },
      min: number,
      tx: Executor = db,
    ): Promise<IpCount[]> {
      let q = tx
        .selectFrom('api_call_log')
        .select((eb) => ['ip', eb.fn.countAll<number>().as('count')])
        .where('id', '>=', idBytesAt(w.fromMs))
        .where('id', '<', idBytesAt(w.toMs))
        .where('ip', 'is not', null);
      if (filter.errorCodes) q = q.where('error_code', 'in', [...filter.errorCodes]);
      if (filter.endpointId !== undefined) q = q.where('endpoint_id', '=', filter.endpointId);
      if (filter.method !== undefined) q = q.where('method', '=', filter.method);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.minStatus !== undefined) q = q.where('status', '>=', filter.minStatus);
      if (filter.maxStatus !== undefined) q = q.where('status', '<=', filter.maxStatus);
      if (filter.errorCode !== undefined) q = q.where('error_code', '=', filter.errorCode);
      const rows = await q
        .groupBy('ip')
        .having(sql<number>`count(*)`, '>=', Math.max(1, min))
        .orderBy(sql`count(*)`, 'desc')
        .limit(MAX_GROUPS)
        .execute();
      return rows.map((r) => ({ ip: ipFromStored(r.ip) ?? 'unknown', count: Number(r.count) }));
    },

    /** Blocked requests matching `filter` per client address in the window, from `min` on. */
    async blockedPerIp(w: Window, filter: BlockedFilter, min: number, tx: Executor = db): Promise<IpCount[]> {
      let q = tx
        .selectFrom('blocked_log')
        .select((eb) => ['ip', eb.fn.countAll<number>().as('count')])
        .where('id', '>=', idBytesAt(w.fromMs))
        .where('id', '<', idBytesAt(w.toMs))
        .where('ip', 'is not', null);
      if (filter.blockReason !== undefined) q = q.where('block_reason', '=', filter.blockReason);
      if (filter.method !== undefined) q = q.where('method', '=', filter.method);
      const rows = await q
        .groupBy('ip')
        .having(sql<number>`count(*)`, '>=', Math.max(1, min))
        .orderBy(sql`count(*)`, 'desc')
        .limit(MAX_GROUPS)
        .execute();
      return rows.map((r) => ({ ip: r.ip ?? 'unknown', count: Number(r.count) }));
    },

    /** Successful activity entries of the given types in the window, oldest first. */
    async activity(
      w: Window,
      actions: readonly string[],
      limit: number,
      tx: Executor = db,
    ): Promise<ActivityFact[]> {
      const rows = await tx
        .selectFrom('activity_log')
        .select(['id', 'timestamp', 'admin_user', 'action_type', 'resource_type', 'resource', 'details'])
        .where('id', '>=', idBoundary('log', new Date(w.fromMs), false))
        .where('id', '<', idBoundary('log', new Date(w.toMs), false))
        .where('result', '=', 'success')
        .where('action_type', 'in', [...actions])
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ ...r, details: parseJson<Record<string, unknown>>(r.details) ?? {} }));
    },

    /**
     * The store's size in bytes: on PostgreSQL the tables (with their indexes) of the schema KeyManager
     * uses, so other databases or schemas on the same server do not count; on SQLite the file's pages.
     */
    async databaseBytes(tx: Executor = db): Promise<number> {
      if (dialect === 'postgres') {
        const { rows } = await sql<{ size: number }>`
          select coalesce(sum(pg_total_relation_size(c.oid)), 0) as size
          from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relkind in ('r', 'm')`.execute(tx);
        return Number(rows[0]?.size ?? 0);
      }
      const count = await sql<{ page_count: number }>`pragma page_count`.execute(tx);
      const size = await sql<{ page_size: number }>`pragma page_size`.execute(tx);
      return Number(count.rows[0]?.page_count ?? 0) * Number(size.rows[0]?.page_size ?? 0);
    },
  };
}

export type AlertReads = ReturnType<typeof createAlertReads>;
