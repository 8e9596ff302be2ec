import { monotonicFactory } from 'ulidx';
import type { BlockedLogTable } from '../db/schema.js';
import type { Clock } from '../shared/clock.js';
import { pooledRandom } from '../shared/ids.js';

/** Stored as small integers (see migration 0003); anything else is `OTHER`. */
export const METHOD_CODES = ['OTHER', 'GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;
export const CHANNELS = ['api', 'portal', 'cli'] as const;
export const DIRECTIONS = ['incoming', 'outgoing'] as const;

export function methodCode(method: string): number {
  const index = (METHOD_CODES as readonly string[]).indexOf(method);
  return index < 0 ? 0 : index;
}

/**
 * A journaled API-call entry: what the read side shows, before the table's compact forms (see
 * request-log.codec.ts). The licence-key hash is hex (JSON has no bytes).
 */
export interface ApiCallRecord {
  id: string;
  endpoint: string | null;
  /** Null when it equals the route pattern. */
  path: string | null;
  /** METHOD_CODES index. */
  method: number;
  status: number;
  response_time_us: number;
  ip: string | null;
  /** The masked key, only when no key id names it. */
  api_key: string | null;
  api_key_id: string | null;
  request_size: number;
  response_size: number;
  user_agent: string | null;
  /** Masked. */
  license_key: string | null;
  license_key_hash: string | null;
  license_id: string | null;
  customer_id: string | null;
  product_id: string | null;
  channel: number;
  direction: number;
  error_code: string | null;
  error_message: string | null;
  stack_trace: string | null;
  validation_errors: string | null;
  retry_count: number | null;
  request_body: string | null;
  request_body_truncated: number | null;
}
export type BlockedRecord = Omit<BlockedLogTable, 'id' | 'ip_bytes'> & { id: string };

/** One journal line: the log it belongs to and its row, already masked. */
export type JournalRecord = { log: 'api'; row: ApiCallRecord } | { log: 'blocked'; row: BlockedRecord };

export const BLOCK_REASONS = [
  'IP_BLOCKLISTED',
  'GEO_BLOCKED',
  'API_KEY_REVOKED',
  'RATE_LIMIT_EXCEEDED',
  'ABUSE_PATTERN_DETECTED',
  'MALFORMED_REQUEST',
  'USER_AGENT_BLOCKED',
  'SQL_INJECTION_ATTEMPT',
] as const;
export type BlockReason = (typeof BLOCK_REASONS)[number];

/** ULID time part (first 10 Crockford base32 characters after the prefix) as an ISO timestamp. */
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
// By character code rather than CROCKFORD.indexOf: every entry read or exported pays this. A character
// outside the alphabet counts as -1, as indexOf's answer did.
const CROCKFORD_VALUE = new Int8Array(65536).fill(-1);
for (let i = 0; i < CROCKFORD.length; i++) CROCKFORD_VALUE[CROCKFORD.charCodeAt(i)] = i;
const MILLISECONDS = Array.from({ length: 1000 }, (_, ms) => `${String(ms).padStart(3, '0')}Z`);
const LAST_CACHED_SECOND = 8.64e15 / 1000 - 1; // the last whole second a Date can hold
let cachedSecond = -1;
let cachedSecondText = '';

export function timestampOfId(id: string): string {
  const start = id.indexOf('_') + 1;
  const end = Math.min(start + 10, id.length);
  let ms = 0;
  for (let i = start; i < end; i++) ms = ms * 32 + CROCKFORD_VALUE[id.charCodeAt(i)]!;
  // Entries read in order come many to a second: the text up to the second is made once per second
  // (a Date and its ISO text cost more than the rest of an entry's fields).
  const second = Math.floor(ms / 1000);
  if (second < 0 || second >= LAST_CACHED_SECOND) return new Date(ms).toISOString();
  if (second !== cachedSecond) {
    cachedSecondText = new Date(second * 1000).toISOString().slice(0, -4);
    cachedSecond = second;
  }
  return cachedSecondText + MILLISECONDS[ms - second * 1000]!;
}

/** The smallest id of a given millisecond: `from`/`to` filters become a range over the primary key. */
export function idBoundary(prefix: string, date: Date, end: boolean): string {
  let ms = date.getTime();
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD[ms % 32]! + time;
    ms = Math.floor(ms / 32);
  }
  return `${prefix}_${time}${(end ? 'z' : '0').repeat(16)}`;
}

/**
 * Log entry ids: `log_` + a ULID whose time part is the entry's timestamp, monotonic within a
 * millisecond. Unlike the shared generator, a clock that steps back is followed rather than clamped,
 * so an entry's timestamp is always the clock's reading.
 */
export function createLogIdGenerator(clock: Clock): () => string {
  const random = pooledRandom();
  let factory = monotonicFactory(random);
  let last = 0;
  return () => {
    const now = clock.now().getTime();
    if (now < last) factory = monotonicFactory(random);
    last = now;
    return `log_${factory(now).toLowerCase()}`;
  };
}
