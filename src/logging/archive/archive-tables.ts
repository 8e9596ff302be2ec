import { ACTIVITY_COLUMNS } from '../activity.repository.js';
import { sql, type Kysely } from 'kysely';
import type { Executor } from '../../db/database.js';
import { parseJson, toJson } from '../../db/json.js';
import {
  activityPrivateValues,
  apiCallPrivateValues,
  canonicalActivity,
  canonicalApiCall,
  canonicalBlocked,
  type ActivityChainFields,
  type ApiCallChainFields,
  type BlockedChainFields,
  type ChainedLog,
} from '../integrity/chain.js';
import { ipBytes } from '../ip-filter.js';
import { createDictionary } from '../log-dictionary.js';
import { timestampOfId } from '../log-entry.js';
import {
  idFromBytes,
  idToBytes,
  ipFromStored,
  licenseKeyMaskFromStored,
  referenceFromStored,
  storedIp,
} from '../request-log.codec.js';
import { storedApiCallRow } from '../request-log-rows.js';
import { withoutNulls, type ArchiveLine } from './archive-format.js';

/**
 * How each log's rows become archive lines and back. A line holds the entry in its shown form (the
 * journal's, before the table's compact encodings) with nulls left out, so restoring it through the
 * same encoders the writer uses gives back the stored row exactly. The chain columns of migration 0010
 * are carried when the table has them: `chain_seq`, and `private_commitment` only where the day's salt
 * does not give it (a redacted entry); `chain_hash` never, as restore recomputes it (ADR 0011).
 */

export const CHAIN_COLUMNS = ['chain_seq', 'chain_hash', 'private_commitment'] as const;

export type LogTable = 'activity_log' | 'api_call_log' | 'blocked_log';

export const LOG_TABLES: Record<ChainedLog, LogTable> = {
  activity: 'activity_log',
  api_calls: 'api_call_log',
  failed_api_calls: 'api_call_log',
  blocked: 'blocked_log',
};

/** A row read for archiving: its line, and the chain values the archiver decides about. */
export interface ArchivedRow {
  line: ArchiveLine;
  id: string;
  timestamp: string;
  seq: number | null;
  /** Hex, as stored. */
  hash: string | null;
  commitment: string | null;
}

/** A line read back, with the chain values restore writes. */
export interface RestoredRow {
  line: ArchiveLine;
  seq: number | null;
  hash: Buffer | null;
  commitment: Buffer | null;
}

export interface LogTableCodec {
  table: LogTable;
  /**
   * Up to `limit` rows with `fromId <= id < toId`, the smallest ids, in chain order when the table has
   * chain columns (id order otherwise).
   */
  read(db: Executor, fromId: string, toId: string, chained: boolean, limit: number): Promise<ArchivedRow[]>;
  /** How many rows have `fromId <= id < toId`. */
  count(db: Executor, fromId: string, toId: string): Promise<number>;
  /** Inserts the rows whose id is not present; returns how many were inserted. */
  insert(tx: Executor, rows: RestoredRow[], chained: boolean): Promise<number>;
  /** The line's values the commitment covers (chain.ts). */
  privateValues(line: ArchiveLine): unknown[];
  canonical(line: ArchiveLine, commitmentHex: string): string;
  /** The entry with every field, nulls included, as the journal shows it. */
  shown(line: ArchiveLine): Record<string, unknown>;
  timestamp(line: ArchiveLine): string;
}

const hexOrNull = (value: Uint8Array | null | undefined) =>
  value ? Buffer.from(value).toString('hex') : null;
const bufferOrNull = (hex: unknown) => (typeof hex === 'string' ? Buffer.from(hex, 'hex') : null);

/** A line with every field of `fields` present, missing ones null. */
function complete<T>(line: ArchiveLine, fields: readonly string[]): T {
  const entry: Record<string, unknown> = {};
  for (const field of fields) entry[field] = line[field] ?? null;
  return entry as T;
}

function chainOrder(rows: ArchivedRow[], chained: boolean): ArchivedRow[] {
  return chained ? rows.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0)) : rows;
}

function chainValues(row: Record<string, unknown>, chained: boolean) {
  if (!chained) return { seq: null, hash: null, commitment: null };
  return {
    seq: row.chain_seq === null || row.chain_seq === undefined ? null : Number(row.chain_seq),
    hash: hexOrNull(row.chain_hash as Uint8Array | null),
    commitment: hexOrNull(row.private_commitment as Uint8Array | null),
  };
}

function chainColumns(row: RestoredRow, chained: boolean): Record<string, unknown> {
  if (!chained) return {};
  return { chain_seq: row.seq, chain_hash: row.hash, private_commitment: row.commitment };
}

const INSERT_BATCH = 400;

async function insertIgnoringPresent(
  tx: Executor,
  table: LogTable,
  values: Record<string, unknown>[],
): Promise<number> {
  let inserted = 0;
  for (let i = 0; i < values.length; i += INSERT_BATCH) {
    const result = await (tx as unknown as Kysely<Record<string, Record<string, unknown>>>)
      .insertInto(table)
      .values(values.slice(i, i + INSERT_BATCH))
      .onConflict((oc) => oc.column('id').doNothing())
      .executeTakeFirst();
    inserted += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return inserted;
}

const API_CALL_FIELDS = [
  'id',
  'endpoint',
  'path',
  'method',
  'status',
  'response_time_us',
  'ip',
  'api_key',
  'api_key_id',
  'request_size',
  'response_size',
  'user_agent',
  'license_key',
  'license_key_hash',
  'license_id',
  'customer_id',
  'product_id',
  'channel',
  'direction',
  'error_code',
  'error_message',
  'stack_trace',
  'validation_errors',
  'retry_count',
  'request_body',
  'request_body_truncated',
] as const;

function apiCallCodec(failed: boolean): LogTableCodec {
  const endpoints = createDictionary('log_endpoints');
  const userAgents = createDictionary('log_user_agents');
  return {
    table: 'api_call_log',
    async read(db, fromId, toId, chained, limit) {
      const rows = await db
        .selectFrom('api_call_log')
        .leftJoin('log_endpoints', 'log_endpoints.id', 'api_call_log.endpoint_id')
        .leftJoin('log_user_agents', 'log_user_agents.id', 'api_call_log.user_agent_id')
        .selectAll('api_call_log')
        .select(['log_endpoints.value as endpoint', 'log_user_agents.value as user_agent'])
        .where('api_call_log.id', '>=', idToBytes(fromId))
        .where('api_call_log.id', '<', idToBytes(toId))
        .where(sql<boolean>`${sql.ref('api_call_log.status')} ${sql.raw(failed ? '>=' : '<')} 400`)
        .orderBy('api_call_log.id')
        .limit(limit)
        .execute();
      return chainOrder(
        rows.map((row) => {
          const id = idFromBytes('log', row.id);
          const entry: ApiCallChainFields = {
            id,
            endpoint: row.endpoint,
            path: row.path,
            method: row.method,
            status: row.status,
            response_time_us: row.response_time_us,
            ip: ipFromStored(row.ip),
            api_key: row.api_key,
            api_key_id: referenceFromStored('api_key_id', row.api_key_id),
            request_size: row.request_size,
            response_size: row.response_size,
            user_agent: row.user_agent,
            license_key: licenseKeyMaskFromStored(row.license_key),
            license_key_hash: hexOrNull(row.license_key_hash),
            license_id: referenceFromStored('license_id', row.license_id),
            customer_id: referenceFromStored('customer_id', row.customer_id),
            product_id: referenceFromStored('product_id', row.product_id),
            channel: row.channel,
            direction: row.direction,
            error_code: row.error_code,
            error_message: row.error_message,
            stack_trace: row.stack_trace,
            validation_errors: row.validation_errors,
            retry_count: row.retry_count,
            request_body: row.request_body,
            request_body_truncated: row.request_body_truncated,
          };
          return {
            line: withoutNulls(entry as unknown as Record<string, unknown>),
            id,
            timestamp: timestampOfId(id),
            ...chainValues(row as Record<string, unknown>, chained),
          };
        }),
        chained,
      );
    },
    async count(db, fromId, toId) {
      const row = await db
        .selectFrom('api_call_log')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('id', '>=', idToBytes(fromId))
        .where('id', '<', idToBytes(toId))
        .where(sql<boolean>`${sql.ref('status')} ${sql.raw(failed ? '>=' : '<')} 400`)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async insert(tx, rows, chained) {
      const entries = rows.map((row) => complete<ApiCallChainFields>(row.line, API_CALL_FIELDS));
      const endpointCodes: (number | null)[] = [];
      const userAgentCodes: (number | null)[] = [];
      await endpoints.encode(
        tx,
        entries.map((e) => e.endpoint),
        endpointCodes,
      );
      await userAgents.encode(
        tx,
        entries.map((e) => e.user_agent),
        userAgentCodes,
      );
      const values = entries.map((entry, i) => ({
        ...storedApiCallRow(
          { ...entry, license_key_hash: bufferOrNull(entry.license_key_hash) },
          endpointCodes[i]!,
          userAgentCodes[i]!,
        ),
        ...chainColumns(rows[i]!, chained),
      }));
      return insertIgnoringPresent(tx, 'api_call_log', values);
    },
    privateValues: (line) => apiCallPrivateValues(complete(line, API_CALL_FIELDS)),
    canonical: (line, commitment) => canonicalApiCall(complete(line, API_CALL_FIELDS), commitment),
    timestamp: (line) => timestampOfId(line.id as string),
    shown: (line) => complete(line, API_CALL_FIELDS),
  };
}

const BLOCKED_FIELDS = [
  'id',
  'block_reason',
  'rule_id',
  'ip',
  'method',
  'path',
  'api_key',
  'user_agent',
  'country_code',
  'fingerprint',
  'threat_score',
  'matched_location',
] as const;

const blockedCodec: LogTableCodec = {
  table: 'blocked_log',
  async read(db, fromId, toId, chained, limit) {
    const rows = await db
      .selectFrom('blocked_log')
      .selectAll()
      .where('id', '>=', idToBytes(fromId))
      .where('id', '<', idToBytes(toId))
      .orderBy('id')
      .limit(limit)
      .execute();
    return chainOrder(
      rows.map((row) => {
        const id = idFromBytes('log', row.id);
        const entry: Record<string, unknown> = { id };
        for (const field of BLOCKED_FIELDS.slice(1)) entry[field] = row[field];
        return {
          line: withoutNulls(entry),
          id,
          timestamp: timestampOfId(id),
          ...chainValues(row as Record<string, unknown>, chained),
        };
      }),
      chained,
    );
  },
  async count(db, fromId, toId) {
    const row = await db
      .selectFrom('blocked_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '>=', idToBytes(fromId))
      .where('id', '<', idToBytes(toId))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },
  async insert(tx, rows, chained) {
    const values = rows.map((row) => {
      const entry = complete<BlockedChainFields>(row.line, BLOCKED_FIELDS);
      return {
        ...entry,
        id: idToBytes(entry.id),
        ip_bytes: storedIp(entry.ip),
        ...chainColumns(row, chained),
      };
    });
    return insertIgnoringPresent(tx, 'blocked_log', values);
  },
  privateValues: (line) => apiCallPrivateValues(complete(line, BLOCKED_FIELDS)),
  canonical: (line, commitment) => canonicalBlocked(complete(line, BLOCKED_FIELDS), commitment),
  timestamp: (line) => timestampOfId(line.id as string),
  shown: (line) => complete(line, BLOCKED_FIELDS),
};

/** An activity line's timestamp: kept only when the id's time part does not already say it. */
function activityTimestamp(line: ArchiveLine): string {
  return (line.timestamp as string | undefined) ?? timestampOfId(line.id as string);
}

function activityFields(line: ArchiveLine): ActivityChainFields {
  return { ...complete<ActivityChainFields>(line, ACTIVITY_COLUMNS), timestamp: activityTimestamp(line) };
}

const activityCodec: LogTableCodec = {
  table: 'activity_log',
  async read(db, fromId, toId, chained, limit) {
    const rows = await db
      .selectFrom('activity_log')
      .selectAll()
      .where('id', '>=', fromId)
      .where('id', '<', toId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return chainOrder(
      rows.map((row) => {
        const entry: Record<string, unknown> = {};
        for (const field of ACTIVITY_COLUMNS) entry[field] = row[field];
        entry.details = parseJson(row.details);
        if (row.timestamp === timestampOfId(row.id)) delete entry.timestamp;
        return {
          line: withoutNulls(entry),
          id: row.id,
          timestamp: row.timestamp,
          ...chainValues(row as Record<string, unknown>, chained),
        };
      }),
      chained,
    );
  },
  async count(db, fromId, toId) {
    const row = await db
      .selectFrom('activity_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('id', '>=', fromId)
      .where('id', '<', toId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },
  async insert(tx, rows, chained) {
    const values = rows.map((row) => {
      const entry = activityFields(row.line);
      return {
        ...entry,
        details: toJson(entry.details),
        ip_bytes: ipBytes(entry.ip),
        ...chainColumns(row, chained),
      };
    });
    return insertIgnoringPresent(tx, 'activity_log', values);
  },
  privateValues: (line) => activityPrivateValues(activityFields(line)),
  canonical: (line, commitment) => canonicalActivity(activityFields(line), commitment),
  timestamp: activityTimestamp,
  shown: (line) => activityFields(line) as unknown as Record<string, unknown>,
};

export function logTableCodecs(): Record<ChainedLog, LogTableCodec> {
  return {
    activity: activityCodec,
    api_calls: apiCallCodec(false),
    failed_api_calls: apiCallCodec(true),
    blocked: blockedCodec,
  };
}

/** Whether migration 0010's chain columns are there: this code runs before and after it. */
export async function hasChainColumns(db: Executor, table: LogTable): Promise<boolean> {
  try {
    await sql`select ${sql.ref('chain_seq')} from ${sql.table(table)} where 1 = 0`.execute(db);
    return true;
  } catch {
    return false;
  }
}
