import { monotonicFactory } from 'ulidx';
import type { ApiCallLogTable, BlockedLogTable } from '../db/schema.js';
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
 * A journaled API-call row: the table's columns, the id as text and the licence-key hash as hex (JSON
 * has no bytes). The address's bytes are derived when the row is stored.
 */
export type ApiCallRecord = Omit<ApiCallLogTable, 'id' | 'license_key_hash' | 'ip_bytes'> & {
  id: string;
  license_key_hash: string | null;
};
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
export function timestampOfId(id: string): string {
  const time = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  let ms = 0;
  for (const c of time) ms = ms * 32 + CROCKFORD.indexOf(c);
  return new Date(ms).toISOString();
}

/**
 * An id's ULID (after the `prefix_`) as its 128 bits, big-endian, so byte order is id order. Characters
 * outside Crockford's alphabet (only a forged cursor has them) read as 0; the bound is clamped.
 */
export function idToBytes(id: string): Buffer {
  const ulid = id.slice(id.indexOf('_') + 1);
  const out = Buffer.alloc(16);
  // 26 characters of 5 bits are 130 bits: the first character carries the top 3.
  let acc = 0;
  let bits = -2;
  let byte = 0;
  for (let i = 0; i < 26; i++) {
    const value = Math.max(0, CROCKFORD.indexOf(ulid[i] ?? '0'));
    acc = ((acc << 5) | (i === 0 ? Math.min(value, 7) : value)) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[byte++] = (acc >> bits) & 0xff;
    }
  }
  return out;
}

/** The inverse of idToBytes: `prefix_` + the 26-character lower-case ULID. */
export function idFromBytes(prefix: string, bytes: Uint8Array): string {
  let text = '';
  let acc = 0;
  let bits = 2; // two zero bits pad 128 to 130
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += CROCKFORD[(acc >> bits) & 31];
    }
  }
  return `${prefix}_${text}`;
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
