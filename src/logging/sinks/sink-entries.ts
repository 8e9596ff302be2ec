import { sql } from 'kysely';
import { arrayRows } from '../../db/array-rows.js';
import type { Executor } from '../../db/database.js';
import { entryOf } from '../activity-query.service.js';
import { ACTIVITY_COLUMNS } from '../activity.repository.js';
import { readChainHead, runsCovering } from '../integrity/chain-reads.js';
import type { ChainedLog } from '../integrity/chain.js';
import { apiCallEntry, blockedEntry, failedEntry } from '../log-query.service.js';
import { apiCallRow, apiCallSelection, blockedRow, blockedSelection } from '../request-log-reads.js';
import { idToBytes } from '../request-log.codec.js';
import { withMaskedKeys } from '../request-log.repository.js';
import { CHAIN_OF, type SinkEntry, type SinkLog } from './sink-types.js';

/**
 * A sink reads its logs by chain position (ADR 0012): positions are given in commit order under the
 * chain's head lock, with no gap, so every entry at or below the head read first is already committed
 * and an entry committed later can only take a higher position. `log_chain_batches` turns a range of
 * positions into ranges of ids (ADR 0009), read over the primary key; entries come in their shown
 * form, as the log API returns them.
 */

export interface PositionRead {
  entries: SinkEntry[];
  /** The position read up to (inclusive): the new cursor once these entries are delivered. */
  through: number;
}

/** The newest position of each chain: what a log's cursor is measured against. */
export async function chainEnd(db: Executor, log: SinkLog): Promise<number> {
  return (await readChainHead(db, CHAIN_OF[log])).count;
}

async function rowsOf(
  db: Executor,
  chain: ChainedLog,
  low: number,
  high: number,
  firstId: string,
  lastId: string,
): Promise<{ seq: number; fields: SinkEntry['fields'] }[]> {
  if (chain === 'activity') {
    const rows = await arrayRows(
      db,
      db
        .selectFrom('activity_log')
        .select([...ACTIVITY_COLUMNS, 'chain_seq'])
        .where('id', '>=', firstId)
        .where('id', '<=', lastId)
        .where('chain_seq', '>=', low)
        .where('chain_seq', '<=', high)
        .orderBy('id'),
    );
    return rows.map((values) => {
      const v = values as never[];
      const [id, timestamp, admin_user, actor_type, actor_id, channel, action_type] = v;
      const [resource_type, resource_id, resource, details, result, error_code, ip] = v.slice(7);
      const [session_id, user_agent, seq] = v.slice(14);
      const entry = entryOf({
        id: id!,
        timestamp: timestamp!,
        admin_user: admin_user!,
        actor_type: actor_type!,
        actor_id: actor_id!,
        channel: channel!,
        action_type: action_type!,
        resource_type: resource_type!,
        resource_id: resource_id!,
        resource: resource!,
        details: details!,
        result: result!,
        error_code: error_code!,
        ip: ip!,
        session_id: session_id!,
        user_agent: user_agent!,
      });
      return { seq: Number(seq), fields: entry as unknown as SinkEntry['fields'] };
    });
  }
  if (chain === 'blocked') {
    const rows = await arrayRows(
      db,
      db
        .selectFrom('blocked_log')
        .select([...blockedSelection(db), 'chain_seq'])
        .where('blocked_log.id', '>=', idToBytes(firstId))
        .where('blocked_log.id', '<=', idToBytes(lastId))
        .where('chain_seq', '>=', low)
        .where('chain_seq', '<=', high)
        .orderBy('blocked_log.id'),
    );
    return rows.map((values) => ({
      seq: Number(values[12]),
      fields: blockedEntry(blockedRow(values)) as unknown as SinkEntry['fields'],
    }));
  }
  const failed = chain === 'failed_api_calls';
  const rows = await arrayRows(
    db,
    db
      .selectFrom('api_call_log')
      .leftJoin('log_endpoints', 'log_endpoints.id', 'api_call_log.endpoint_id')
      .leftJoin('log_user_agents', 'log_user_agents.id', 'api_call_log.user_agent_id')
      .select([...apiCallSelection(db), 'api_call_log.chain_seq'])
      .where('api_call_log.id', '>=', idToBytes(firstId))
      .where('api_call_log.id', '<=', idToBytes(lastId))
      .where('api_call_log.chain_seq', '>=', low)
      .where('api_call_log.chain_seq', '<=', high)
      // The two API-call chains share the table: the status says which chain a position belongs to.
      .where(failed ? sql<boolean>`api_call_log.status >= 400` : sql<boolean>`api_call_log.status < 400`)
      .orderBy('api_call_log.id'),
  );
  const parsed = await withMaskedKeys(
    rows.map((values) => apiCallRow(values)),
    db,
  );
  return parsed.map((row, i) => ({
    seq: Number(rows[i]![25]),
    fields: (failed ? failedEntry(row) : apiCallEntry(row)) as unknown as SinkEntry['fields'],
  }));
}

/**
 * The entries of `log` after position `after`, at most `limit` positions, in chain order, up to the
 * chain's end as read now. A position no row holds any more (retention deleted it before delivery)
 * is passed over: `through` still covers it.
 */
export async function readAfter(
  db: Executor,
  log: SinkLog,
  after: number,
  limit: number,
  end?: number,
): Promise<PositionRead> {
  const chain = CHAIN_OF[log];
  const head = end ?? (await chainEnd(db, log));
  const through = Math.min(head, after + limit);
  if (through <= after) return { entries: [], through: after };
  const entries: SinkEntry[] = [];
  for (const run of await runsCovering(db, chain, after + 1, through)) {
    const low = Math.max(after + 1, run.first_seq);
    const high = Math.min(through, run.last_seq);
    for (const row of await rowsOf(db, chain, low, high, run.first_id, run.last_id)) {
      entries.push({ log, seq: row.seq, fields: row.fields });
    }
  }
  entries.sort((a, b) => a.seq - b.seq);
  return { entries, through };
}
