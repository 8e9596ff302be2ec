import ipaddr from 'ipaddr.js';
import type { Executor } from '../db/database.js';
import { dictionaryCode } from './log-dictionary.js';
import { CHANNELS, methodCode } from './log-entry.js';
import { idToBytes, storedIp, storedIpRange, storedReference } from './request-log.codec.js';

/**
 * The stored bounds of an `ip` filter over a compact address column (4 or 16 bytes, see storedIp).
 * Bytes of one length only match: under byte order a 16-byte address that starts like a 4-byte bound
 * sorts between the bounds, so a range is also bounded by `length`.
 */
export interface StoredIpRange {
  low: Buffer;
  high: Buffer;
}

/**
 * An address or CIDR filter (already checked by isIpFilter) as stored bounds. An IPv4 address written
 * as IPv4-mapped IPv6 (`::ffff:203.0.113.7`, `::ffff:10.0.0.0/104`) is looked for as the IPv4 address or
 * range it covers: the request path records a mapped client address in its IPv4 form.
 */
function ipBounds(filter: string): StoredIpRange {
  const [text, prefix] = filter.split('/') as [string, string | undefined];
  let address = ipaddr.parse(text);
  let bits = prefix === undefined ? undefined : Number(prefix);
  if (address.kind() === 'ipv6') {
    const ipv6 = address as ipaddr.IPv6;
    if (ipv6.isIPv4MappedAddress() && (bits === undefined || bits >= 96)) {
      address = ipv6.toIPv4Address();
      if (bits !== undefined) bits -= 96;
    }
  }
  if (bits !== undefined) return storedIpRange(`${address.toString()}/${bits}`);
  const canonical =
    address.kind() === 'ipv4' ? address.toString() : (address as ipaddr.IPv6).toRFC5952String();
  const bytes = storedIp(canonical)!;
  return { low: bytes, high: bytes };
}

/**
 * Filter values as the request-log tables store them, one function per column, each the stored form
 * the writer gives the column (request-log.codec.ts, log-dictionary.ts). The search code never knows a
 * column's encoding: when one changes, only its function here does.
 */
export const storedValue = {
  /** The entry id, a ULID, as its 16 bytes: byte order is time order. */
  entryId: (id: string): Buffer => idToBytes(id),
  /** The route pattern's code in `log_endpoints`; null when it was never logged (nothing can match). */
  endpoint: (db: Executor, routePattern: string): Promise<number | null> =>
    dictionaryCode(db, 'log_endpoints', routePattern),
  method: (name: string): number => methodCode(name),
  channel: (name: string): number => (CHANNELS as readonly string[]).indexOf(name),
  apiKeyId: (id: string): Buffer => storedReference('api_key_id', id)!,
  productId: (id: string): Buffer => storedReference('product_id', id)!,
  /** The licence key's keyed hash (the key itself is never stored). */
  licenseKeyHash: (hash: Buffer): Buffer => hash,
  errorCode: (code: string): string => code,
  /** An address or CIDR as bounds of the compact address (`ip` of api_call_log, `ip_bytes` of blocked_log). */
  ip: (filter: string): StoredIpRange => ipBounds(filter),
  countryCode: (code: string): string => code.toUpperCase(),
  blockReason: (reason: string): string => reason,
  ruleId: (id: string): string => id,
};
