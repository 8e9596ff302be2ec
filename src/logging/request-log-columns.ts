import { ipBytes, type IpRange } from './ip-filter.js';
import { CHANNELS, idToBytes, methodCode } from './log-entry.js';

/**
 * Filter values as the request-log tables store them, one function per column. The search code never
 * knows a column's encoding: when one changes (an id kept as bytes, an endpoint as a dictionary code),
 * only its function here does.
 */
export const storedValue = {
  /** The entry id, a ULID, as its 16 bytes: byte order is time order. */
  entryId: (id: string): Buffer => idToBytes(id),
  endpoint: (routePattern: string): string => routePattern,
  method: (name: string): number => methodCode(name),
  channel: (name: string): number => (CHANNELS as readonly string[]).indexOf(name),
  apiKeyId: (id: string): string => id,
  productId: (id: string): string => id,
  /** The licence key's keyed hash (the key itself is never stored). */
  licenseKeyHash: (hash: Buffer): Buffer => hash,
  errorCode: (code: string): string => code,
  /** An address or CIDR as the inclusive range of `ip_bytes`. */
  ipRange: (range: IpRange): IpRange => range,
  countryCode: (code: string): string => code.toUpperCase(),
  blockReason: (reason: string): string => reason,
  ruleId: (id: string): string => id,
};

/** The `ip_bytes` column of an entry being written, from its recorded address. */
export function storedIp(ip: string | null): Buffer | null {
  return ipBytes(ip);
}
