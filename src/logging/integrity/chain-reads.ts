import {
  CompiledQuery,
  PostgresAdapter,
  sql,
  type Compilable,
  type RawBuilder,
  type Transaction,
} from 'kysely';
import { arrayRows } from '../../db/array-rows.js';
import type { Db, Executor } from '../../db/database.js';
import { parseJson } from '../../db/json.js';
import type { Database } from '../../db/schema.js';
import { boundedMemo } from '../../shared/bounded-memo.js';
import { dictionaryTexts, type DictionaryTable } from '../log-dictionary.js';
import { timestampOfId } from '../log-entry.js';
import {
  idFromHex,
  idToBytes,
  ipFromHex,
  licenseKeyMaskFromStored,
  referenceFromHex,
  type ReferenceColumn,
} from '../request-log.codec.js';
import {
  activityPrivateValues,
  canonicalActivity,
  canonicalApiCall,
  canonicalBlocked,
  genesisHead,
  privateCommitmentHex,
  saltDay,
  type ActivityChainFields,
  type ApiCallChainFields,
  type BlockedChainFields,
  type ChainedLog,
} from './chain.js';
import type { ChainEntry, ChainEntrySource } from './chain-entry.js';

/**
 * The chains as the database holds them now (ADR 0009), for verification: each entry's canonical form
 * recomputed from its row as stored, beside the hash stored with it. Entries are found through
 * `log_chain_batches` (a run of positions is a range of ids in the same order), read a page of ids at a
 * time over the primary key, with the binary columns as hex text and the dictionaries decoded once.
 */

const PAGE = 1024;

export interface ChainHeadState {
  /** Entries ever chained: the position of the newest. */
  count: number;
  /** Hex head(count). */
  head: string;
  /** Position of the oldest entry retention has kept. */
  retained_from: number;
  /** Hex head(retained_from - 1). */
  retained_after: string;
}

export async function readChainHead(db: Executor, log: ChainedLog): Promise<ChainHeadState> {
  const row = await db
    .selectFrom('log_chain_heads')
    .select(['count', 'head', 'retained_from', 'retained_after'])
    .where('log', '=', log)
    .executeTakeFirst();
  if (!row) throw new Error(`log chain ${log} has no head row`);
  return {
    count: Number(row.count),
    head: Buffer.from(row.head).toString('hex'),
    retained_from: Number(row.retained_from),
    retained_after: Buffer.from(row.retained_after).toString('hex'),
  };
}

const isPostgres = (tx: Executor) => tx.getExecutor().adapter instanceof PostgresAdapter;

/** A binary column as lower-case hex text, as the chain's formulas write it ('' for null on SQLite). */
export function lowerHex(tx: Executor, column: string): RawBuilder<string | null> {
  return isPostgres(tx)
    ? sql<string | null>`encode(${sql.ref(column)}, 'hex')`
    : sql<string | null>`lower(hex(${sql.ref(column)}))`;
}

/**
 * A binary column as hex text in either case, for values only decoded (ids, addresses): SQLite's
 * hex() without lower() saves a call per value on every row read.
 */
function decodableHex(tx: Executor, column: string): RawBuilder<string | null> {
  return isPostgres(tx)
    ? sql<string | null>`encode(${sql.ref(column)}, 'hex')`
    : sql<string | null>`hex(${sql.ref(column)})`;
}

interface Run {
  first_seq: number;
  last_seq: number;
  first_id: string;
  last_id: string;
}

export async function runsCovering(
  tx: Executor,
  log: ChainedLog,
  fromSeq: number,
  toSeq: number,
): Promise<Run[]> {
  const rows = await tx
    .selectFrom('log_chain_batches')
    .select(['first_seq', 'last_seq', 'first_id', 'last_id'])
    .where('log', '=', log)
    .where('last_seq', '>=', fromSeq)
    .where('first_seq', '<=', toSeq)
    .orderBy('first_seq')
    .execute();
  return rows.map((row) => ({ ...row, first_seq: Number(row.first_seq), last_seq: Number(row.last_seq) }));
}

export const TABLE_OF = {
  activity: 'activity_log',
  api_calls: 'api_call_log',
  failed_api_calls: 'api_call_log',
  blocked: 'blocked_log',
} as const;

/** How one log's rows are selected and turned into chain entries; `decode` may look values up first. */
export interface LogReader {
  columns(tx: Executor): (RawBuilder<unknown> | string)[];
  /** Extra conditions on the table (the API-call chains share one table). */
  where?: RawBuilder<boolean>;
  idBound(id: string): unknown;
  prepare?(tx: Executor, rows: unknown[][]): Promise<void>;
  /** The UTC day whose salt the row's commitment uses. */
  day(row: unknown[]): string;
  /** Values 0..3 of every row are the id, chain_seq, chain_hash and private_commitment. */
  entry(row: unknown[], commitment: (day: string, id: string, values: unknown[]) => string): ChainEntry;
}

function memoReference(column: ReferenceColumn) {
  const read = boundedMemo((hex: string) => referenceFromHex(column, hex), 4096);
  // Rows in id order mostly repeat the previous row's reference: one string comparison instead of a lookup.
  let lastHex = '';
  let last: string | null = null;
  return (hex: string | null): string | null => {
    if (!hex) return null;
    if (hex !== lastHex) {
      last = read(hex);
      lastHex = hex;
    }
    return last;
  };
}

function dictionary(table: DictionaryTable) {
  const texts = new Map<number, string>();
  return {
    async load(tx: Executor, rows: unknown[][], index: number): Promise<void> {
      const missing = new Set<number>();
      for (const row of rows) {
        const code = row[index] as number | null;
        if (code !== null && !texts.has(code)) missing.add(code);
      }
      if (missing.size === 0) return;
      for (const [code, text] of await dictionaryTexts(tx, table, missing)) texts.set(code, text);
    },
    text: (code: number | null): string | null => (code === null ? null : (texts.get(code) ?? null)),
  };
}

function apiCallReader(log: 'api_calls' | 'failed_api_calls'): LogReader {
  const endpoints = dictionary('log_endpoints');
  const userAgents = dictionary('log_user_agents');
  const apiKeyId = memoReference('api_key_id');
  const licenseId = memoReference('license_id');
  const customerId = memoReference('customer_id');
  const productId = memoReference('product_id');
  return {
    columns: (tx) => [
      decodableHex(tx, 'id'),
      'chain_seq',
      lowerHex(tx, 'chain_hash'),
      lowerHex(tx, 'private_commitment'),
      'endpoint_id',
      'path',
      'method',
      'status',
      'response_time_us',
      decodableHex(tx, 'ip'),
      'api_key',
      decodableHex(tx, 'api_key_id'),
      'request_size',
      'response_size',
      'user_agent_id',
      'license_key',
      lowerHex(tx, 'license_key_hash'),
      decodableHex(tx, 'license_id'),
      decodableHex(tx, 'customer_id'),
      decodableHex(tx, 'product_id'),
      'channel',
      'direction',
      'error_code',
      'error_message',
      'stack_trace',
      'validation_errors',
      'retry_count',
      'request_body',
      'request_body_truncated',
    ],
    where: log === 'failed_api_calls' ? sql<boolean>`status >= 400` : sql<boolean>`status < 400`,
    idBound: idToBytes,
    day: (row) => saltDay(timestampOfId(idFromHex('log', row[0] as string))),
    async prepare(tx, rows) {
      await endpoints.load(tx, rows, 4);
      await userAgents.load(tx, rows, 14);
    },
    entry(row, commitment) {
      const v = row as never[];
      const id = idFromHex('log', v[0]!);
      const fields: ApiCallChainFields = {
        id,
        endpoint: endpoints.text(v[4]!),
        path: v[5]!,
        method: v[6]!,
        status: v[7]!,
        response_time_us: v[8]!,
        ip: ipFromHex(v[9]!),
        api_key: v[10]!,
        api_key_id: apiKeyId(v[11]!),
        request_size: v[12]!,
        response_size: v[13]!,
        user_agent: userAgents.text(v[14]!),
        license_key: licenseKeyMaskFromStored(v[15]!),
        license_key_hash: v[16]! || null,
        license_id: licenseId(v[17]!),
        customer_id: customerId(v[18]!),
        product_id: productId(v[19]!),
        channel: v[20]!,
        direction: v[21]!,
        error_code: v[22]!,
        error_message: v[23]!,
        stack_trace: v[24]!,
        validation_errors: v[25]!,
        retry_count: v[26]!,
        request_body: v[27]!,
        request_body_truncated: v[28]!,
      };
      const timestamp = timestampOfId(id);
      const stored = v[3]! as string | null;
      const hidden = stored || commitment(saltDay(timestamp), id, [fields.ip, fields.user_agent]);
      return { log, seq: v[1]!, id, timestamp, canonical: canonicalApiCall(fields, hidden), hash: v[2]! };
    },
  };
}

function blockedReader(): LogReader {
  return {
    columns: (tx) => [
      decodableHex(tx, 'id'),
      'chain_seq',
      lowerHex(tx, 'chain_hash'),
      lowerHex(tx, 'private_commitment'),
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
    ],
    idBound: idToBytes,
    day: (row) => saltDay(timestampOfId(idFromHex('log', row[0] as string))),
    entry(row, commitment) {
      const v = row as never[];
      const id = idFromHex('log', v[0]!);
      const fields: BlockedChainFields = {
        id,
        block_reason: v[4]!,
        rule_id: v[5]!,
        ip: v[6]!,
        method: v[7]!,
        path: v[8]!,
        api_key: v[9]!,
        user_agent: v[10]!,
        country_code: v[11]!,
        fingerprint: v[12]!,
        threat_score: v[13]!,
        matched_location: v[14]!,
      };
      const timestamp = timestampOfId(id);
      const stored = v[3]! as string | null;
      const hidden = stored || commitment(saltDay(timestamp), id, [fields.ip, fields.user_agent]);
      return {
        log: 'blocked',
        seq: v[1]!,
        id,
        timestamp,
        canonical: canonicalBlocked(fields, hidden),
        hash: v[2]!,
      };
    },
  };
}

function activityReader(): LogReader {
  return {
    columns: (tx) => [
      'id',
      'chain_seq',
      lowerHex(tx, 'chain_hash'),
      lowerHex(tx, 'private_commitment'),
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
    ],
    idBound: (id) => id,
    day: (row) => saltDay(row[4] as string),
    entry(row, commitment) {
      const v = row as never[];
      const fields: ActivityChainFields = {
        id: v[0]!,
        timestamp: v[4]!,
        admin_user: v[5]!,
        actor_type: v[6]!,
        actor_id: v[7]!,
        channel: v[8]!,
        action_type: v[9]!,
        resource_type: v[10]!,
        resource_id: v[11]!,
        resource: v[12]!,
        details: parseJson(v[13]!),
        result: v[14]!,
        error_code: v[15]!,
        ip: v[16]!,
        session_id: v[17]!,
        user_agent: v[18]!,
      };
      const stored = v[3]! as string | null;
      const hidden =
        stored || commitment(saltDay(fields.timestamp), fields.id, activityPrivateValues(fields));
      return {
        log: 'activity',
        seq: v[1]!,
        id: fields.id,
        timestamp: fields.timestamp,
        canonical: canonicalActivity(fields, hidden),
        hash: v[2]!,
      };
    },
  };
}

export function readerOf(log: ChainedLog): LogReader {
  if (log === 'activity') return activityReader();
  if (log === 'blocked') return blockedReader();
  return apiCallReader(log);
}

/**
 * A commitment from the day's salt. A salt already deleted while an entry still shows its personal data
 * (no stored commitment) cannot be recomputed: the entry then gets a commitment that cannot match, so
 * verification reports it rather than passing over it.
 */
async function commitments(tx: Executor, log: ChainedLog) {
  const rows = await tx
    .selectFrom('log_integrity_salts')
    .select(['day', 'salt'])
    .where('log', '=', log)
    .execute();
  const salts = new Map(rows.map((row) => [row.day, Buffer.from(row.salt).toString('hex')]));
  return (day: string, id: string, values: unknown[]): string => {
    const salt = salts.get(day);
    return salt === undefined ? `no salt for ${day}` : privateCommitmentHex(salt, id, values);
  };
}

type Selection = (RawBuilder<unknown> | string)[];

interface PageBounds {
  from: unknown;
  to: unknown;
  low: number;
  high: number;
}

/**
 * A run's page query, built and compiled once per read with stand-ins for its bounds, which each page
 * then binds: kysely would otherwise rebuild the same query for every page. `after` pages start past
 * an id (`>`), the first of a run at it (`>=`).
 */
function pageQueries(db: Executor, log: ChainedLog, reader: LogReader, selection: Selection) {
  const stands = { from: {}, to: {}, low: {}, high: {} };
  const compile = (after: boolean) => {
    let query = db
      .selectFrom(TABLE_OF[log])
      .select(selection as never)
      .where('id', after ? '>' : '>=', stands.from as never)
      .where('id', '<=', stands.to as never)
      .where('chain_seq', '>=', stands.low as never)
      .where('chain_seq', '<=', stands.high as never);
    if (reader.where) query = query.where(reader.where);
    const compiled = query.orderBy('id').limit(PAGE).compile();
    const at = (stand: object) => compiled.parameters.indexOf(stand);
    const places = { from: at(stands.from), to: at(stands.to), low: at(stands.low), high: at(stands.high) };
    return (bounds: PageBounds): Compilable<unknown> => {
      const parameters = [...compiled.parameters];
      parameters[places.from] = bounds.from;
      parameters[places.to] = bounds.to;
      parameters[places.low] = bounds.low;
      parameters[places.high] = bounds.high;
      return { compile: () => CompiledQuery.raw(compiled.sql, parameters) };
    };
  };
  const first = compile(false);
  const next = compile(true);
  return (bounds: PageBounds, after: boolean) => (after ? next : first)(bounds);
}

/**
 * A log's pages as rows of values in select order. On SQLite each row comes as one JSON array text
 * (json_array) parsed here: better-sqlite3 hands over each of a row's ~30 values on its own, which cost
 * more than SQLite's reading and the whole JSON text together. SQLite's JSON gives back the values the
 * driver would (text, integers and reals exactly, null); a row it cannot write as JSON (a blob where
 * text belongs) fails the page, which is then read value by value as before, so verification still
 * sees that row as it is stored.
 */
function pageReader(db: Executor, log: ChainedLog, reader: LogReader) {
  const columns = reader.columns(db);
  const byValue = pageQueries(db, log, reader, columns);
  if (isPostgres(db)) return (bounds: PageBounds, after: boolean) => arrayRows(db, byValue(bounds, after));
  const asJson = pageQueries(db, log, reader, [sql`json_array(${sql.join(columns.map(asSql))})`]);
  return async (bounds: PageBounds, after: boolean): Promise<unknown[][]> => {
    let texts: unknown[][];
    try {
      texts = await arrayRows(db, asJson(bounds, after));
    } catch {
      return arrayRows(db, byValue(bounds, after));
    }
    const rows = new Array<unknown[]>(texts.length);
    for (let i = 0; i < texts.length; i++) rows[i] = JSON.parse(texts[i]![0] as string) as unknown[];
    return rows;
  };
}

const asSql = (column: RawBuilder<unknown> | string) =>
  typeof column === 'string' ? sql.ref(column) : column;

/**
 * Positions `fromSeq..toSeq` (inclusive) of `log` as stored now, ascending, a page at a time: for a
 * reader that goes through millions, one await per page rather than one per entry. A position no row
 * holds (a deleted entry) is simply absent: the verifier sees the gap.
 */
export async function* readChainPages(
  db: Executor,
  log: ChainedLog,
  fromSeq: number,
  toSeq: number,
): AsyncGenerator<ChainEntry[]> {
  if (toSeq < fromSeq) return;
  const reader = readerOf(log);
  const readPage = pageReader(db, log, reader);
  const commitment = await commitments(db, log);
  for (const run of await runsCovering(db, log, fromSeq, toSeq)) {
    const bounds: PageBounds = {
      from: reader.idBound(run.first_id),
      to: reader.idBound(run.last_id),
      low: Math.max(fromSeq, run.first_seq),
      high: Math.min(toSeq, run.last_seq),
    };
    // One lower bound on the id, so each page starts where the last ended rather than at the run's start.
    for (let after = false; ; after = true) {
      let rows: unknown[][] | null = await readPage(bounds, after);
      if (rows.length === 0) break;
      await reader.prepare?.(db, rows);
      const entries = new Array<ChainEntry>(rows.length);
      for (let i = 0; i < rows.length; i++) entries[i] = reader.entry(rows[i]!, commitment);
      const full = rows.length === PAGE;
      const lastId = rows.at(-1)![0] as string;
      // The rows are garbage once made entries: not kept alive while the reader goes through the page.
      rows = null;
      yield entries;
      if (!full) break;
      bounds.from = log === 'activity' ? lastId : Buffer.from(lastId, 'hex');
    }
  }
}

/** readChainPages an entry at a time. */
export async function* readChain(
  db: Executor,
  log: ChainedLog,
  fromSeq: number,
  toSeq: number,
): AsyncGenerator<ChainEntry> {
  for await (const page of readChainPages(db, log, fromSeq, toSeq)) yield* page;
}

/** readChainPages as the source verification reads live entries from. */
export function liveChainSource(db: Db): ChainEntrySource {
  return { pages: (log, fromSeq, toSeq) => readChainPages(db, log, fromSeq, toSeq) };
}

/** The hash stored with entry `seq` of `log` (genesis for 0); null when no row holds it. */
export async function chainHashAt(tx: Executor, log: ChainedLog, seq: number): Promise<string | null> {
  if (seq === 0) return genesisHead(log).toString('hex');
  for await (const entry of readChain(tx, log, seq, seq)) return entry.hash;
  return null;
}

/**
 * Retention's part (ADR 0009): entries before `firstKeptSeq` are being deleted in `tx`, so the chain's
 * kept part now starts there, after the hash of entry `firstKeptSeq - 1` (read before it goes). Runs
 * wholly before it are dropped. Never moves the start back; a start past the newest entry + 1 is refused.
 */
export async function moveRetainedStart(
  tx: Transaction<Database>,
  log: ChainedLog,
  firstKeptSeq: number,
): Promise<void> {
  let query = tx
    .selectFrom('log_chain_heads')
    .select(['count', 'head', 'retained_from'])
    .where('log', '=', log);
  if (isPostgres(tx)) query = query.forUpdate();
  const head = await query.executeTakeFirst();
  if (!head) throw new Error(`log chain ${log} has no head row`);
  const count = Number(head.count);
  if (!Number.isSafeInteger(firstKeptSeq) || firstKeptSeq < 1 || firstKeptSeq > count + 1) {
    throw new Error(`log chain ${log}: cannot keep from position ${firstKeptSeq} of ${count}`);
  }
  if (firstKeptSeq <= Number(head.retained_from)) return;
  const after =
    firstKeptSeq - 1 === count
      ? Buffer.from(head.head).toString('hex')
      : await chainHashAt(tx, log, firstKeptSeq - 1);
  if (after === null) {
    throw new Error(`log chain ${log}: entry ${firstKeptSeq - 1} is gone; its hash cannot be kept`);
  }
  await tx
    .updateTable('log_chain_heads')
    .set({ retained_from: firstKeptSeq, retained_after: Buffer.from(after, 'hex') })
    .where('log', '=', log)
    .execute();
  await tx
    .deleteFrom('log_chain_batches')
    .where('log', '=', log)
    .where('last_seq', '<', firstKeptSeq)
    .execute();
}
