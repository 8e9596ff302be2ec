import ipaddr from 'ipaddr.js';

/**
 * The activity log's addresses as 16 bytes (IPv4 as its IPv4-mapped IPv6 form), so an address or a CIDR
 * range of either family is one byte-wise range over an indexed column on both stores, whatever text
 * form the address was recorded in. Migration 0005 stores the same bytes for entries recorded before
 * it. (The request logs store addresses in their compact form instead: request-log.codec.ts.)
 */
export function ipBytes(text: string | null | undefined): Buffer | null {
  if (!text || !ipaddr.isValid(text)) return null;
  const address = ipaddr.parse(text);
  return Buffer.from(
    address.kind() === 'ipv4'
      ? (address as ipaddr.IPv4).toIPv4MappedAddress().toByteArray()
      : address.toByteArray(),
  );
}

export interface IpRange {
  low: Buffer;
  high: Buffer;
}

/**
 * An `ip` filter of any log: an address or a CIDR range. Dotted quads only: `10.1` is a valid address
 * to inet_aton but surely a typo here.
 */
export function isIpFilter(filter: string): boolean {
  return filter.includes('/')
    ? ipaddr.IPv4.isValidCIDRFourPartDecimal(filter) || ipaddr.IPv6.isValidCIDR(filter)
    : ipaddr.IPv4.isValidFourPartDecimal(filter) || ipaddr.IPv6.isValid(filter);
}

/** An `ip` filter (`203.0.113.7`, `203.0.113.0/24`, `2001:db8::/32`) as an inclusive byte range; null if invalid. */
export function ipFilterRange(filter: string): IpRange | null {
  if (!isIpFilter(filter)) return null;
  if (!filter.includes('/')) {
    const bytes = ipBytes(filter);
    return bytes && { low: bytes, high: bytes };
  }
  const [address, prefix] = ipaddr.parseCIDR(filter);
  const bits = address.kind() === 'ipv4' ? prefix + 96 : prefix;
  const low = ipBytes(address.toString())!;
  const high = Buffer.from(low);
  for (let i = 0; i < 16; i++) {
    const keep = Math.max(0, Math.min(8, bits - i * 8));
    const mask = (0xff << (8 - keep)) & 0xff;
    low[i] = low[i]! & mask;
    high[i] = high[i]! | (~mask & 0xff);
  }
  return { low, high };
}
