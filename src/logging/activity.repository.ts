import { sql, type Insertable, type RawBuilder, type Selectable } from 'kysely';
import { containsPattern, matchesPattern } from '../db/contains-text.js';
import { arrayRows } from '../db/array-rows.js';
import type { Executor } from '../db/database.js';
import type { ActivityChannel, ActivityLogTable, ActivityResult, ChainColumns } from '../db/schema.js';
import { ipBytes, type IpRange } from './ip-filter.js';

/** The activity log's columns as searches and archives read them, in this order. */
export const ACTIVITY_COLUMNS = [
  'id',
  'timestamp',
  'admin_user',
  'actor_type',
  'actor_id',
  'channel',
  'action_type',
  'resource_type',
  'resource_id',
  'resource',
  'details',
  'result',
  'error_code',
  'ip',
  'session_id',
  'user_agent',
] as const;

export type ActivityRow = Omit<Selectable<ActivityLogTable>, 'ip_bytes' | keyof ChainColumns>;

/** A search, already resolved to columns; every value is bound as a parameter. */
export interface ActivitySearch {
  limit: number;
  /** Exclusive upper bound on the id (the cursor), then the inclusive id range of the time filters. */
  before?: string;
  fromId?: string;
  toId?: string;
  admin_user?: string;
  actor_id?: string;
  action_type?: string;
  resource_type?: string;
  resource_id?: string;
  result?: ActivityResult;
  channel?: ActivityChannel;
  ip?: IpRange;
  /** Lower-case text, matched as a substring of admin_user, resource and details. */
  text?: string;
}

/** One array row of ACTIVITY_COLUMNS (db/array-rows.ts: a search reads many, and objects from the driver cost more). */
function activityRow(values: unknown[]): ActivityRow {
  const v = values as never[];
  return {
    id: v[0]!,
    timestamp: v[1]!,
    admin_user: v[2]!,
    actor_type: v[3]!,
    actor_id: v[4]!,
    channel: v[5]!,
    action_type: v[6]!,
    resource_type: v[7]!,
    resource_id: v[8]!,
    resource: v[9]!,
    details: v[10]!,
    result: v[11]!,
    error_code: v[12]!,
    ip: v[13]!,
    session_id: v[14]!,
    user_agent: v[15]!,
  };
}

export function createActivityRepository(db: Executor) {
  /** The search as a query, unexecuted: the plan test explains it on both stores. */
  function searchQuery(search: ActivitySearch, tx: Executor = db) {
    let query = tx.selectFrom('activity_log').select(ACTIVITY_COLUMNS);
    if (search.before) query = query.where('id', '<', search.before);
    if (search.fromId) query = query.where('id', '>=', search.fromId);
    if (search.toId) query = query.where('id', '<=', search.toId);
    if (search.admin_user !== undefined) query = query.where('admin_user', '=', search.admin_user);
    if (search.actor_id !== undefined) query = query.where('actor_id', '=', search.actor_id);
    if (search.action_type !== undefined) query = query.where('action_type', '=', search.action_type);
    if (search.resource_type !== undefined) query = query.where('resource_type', '=', search.resource_type);
    if (search.resource_id !== undefined) query = query.where('resource_id', '=', search.resource_id);
    if (search.result !== undefined) query = query.where('result', '=', search.result);
    if (search.channel !== undefined) query = query.where('channel', '=', search.channel);
    if (search.ip) {
      const { low, high } = search.ip;
      query = low.equals(high)
        ? query.where('ip_bytes', '=', low)
        : query.where('ip_bytes', '>=', low).where('ip_bytes', '<=', high);
    }
    if (search.text !== undefined) {
      const pattern = containsPattern(search.text);
      // No index serves a substring search: the other filters (and the time range) bound the scan.
      const like = (column: RawBuilder<unknown>) => matchesPattern(column, pattern);
      query = query.where((eb) =>
        eb.or([
          like(sql.ref('admin_user')),
          like(sql`coalesce(${sql.ref('resource')}, '')`),
          like(sql`cast(${sql.ref('details')} as text)`),
        ]),
      );
    }
    return query.orderBy('id', 'desc').limit(search.limit + 1);
  }

  return {
    async insert(row: Omit<Insertable<ActivityLogTable>, 'ip_bytes'>, tx: Executor = db): Promise<void> {
      await tx
        .insertInto('activity_log')
        .values({ ...row, ip_bytes: ipBytes(row.ip) })
        .execute();
    },

    async finalise(
      id: string,
      patch: {
        result: ActivityResult;
        actor_id?: string | null;
        resource_id?: string | null;
        resource?: string | null;
        details: string;
        error_code?: string | null;
        chain_seq?: number | null;
        chain_hash?: Buffer | null;
      },
      tx: Executor = db,
    ): Promise<void> {
      await tx.updateTable('activity_log').set(patch).where('id', '=', id).execute();
    },

    /** Oldest first; the log's search API is a separate feature, this serves tests and tooling. */
    async list(filters: { action_type?: string } = {}, tx: Executor = db): Promise<ActivityRow[]> {
      let query = tx.selectFrom('activity_log').select(ACTIVITY_COLUMNS).orderBy('id', 'asc');
      if (filters.action_type) query = query.where('action_type', '=', filters.action_type);
      return query.execute();
    },

    searchQuery,

    /** Newest first, limit + 1 rows (the extra one tells the caller another page exists). */
    async search(search: ActivitySearch, tx: Executor = db): Promise<ActivityRow[]> {
      return (await arrayRows(tx, searchQuery(search, tx))).map(activityRow);
    },
  };
}

export type ActivityRepository = ReturnType<typeof createActivityRepository>;
