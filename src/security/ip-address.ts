import { isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';
import ipaddr from 'ipaddr.js';
import { boundedMemo } from '../shared/bounded-memo.js';

/**
 * One canonical text per address, so an address written two ways can never be two different things to
 * a rule, a ban, a rate limit or a log filter: IPv4 as four plain decimals, IPv6 lower-case and
 * compressed (RFC 5952), an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`, what a dual-stack socket
 * reports for an IPv4 client) as the IPv4 address it carries.
 *
 * Syntax is checked by Node's own strict parser (`net.isIP`, the inet_pton rules), which refuses the
 * octal, hexadecimal and shortened IPv4 forms that ipaddr.js and many other programs accept and read in
 * different ways (`010.0.0.1` is 8.0.0.1 to one reader and 10.0.0.1 to another). ipaddr.js then gives
 * the bytes and the CIDR arithmetic.
 */

export type IpKind = 'ipv4' | 'ipv6';
export type ParsedIp = ipaddr.IPv4 | ipaddr.IPv6;

const MAX_ADDRESS_LENGTH = 100;

/** `::1.2.3.4` (the deprecated IPv4-compatible form) is read by ipaddr.js as if it were `::ffff:1.2.3.4`. */
const IPV4_COMPATIBLE = /^::(\d+\.\d+\.\d+\.\d+)$/;

function stripZone(text: string): string {
  const percent = text.indexOf('%');
  return percent < 0 ? text : text.slice(0, percent);
}

/**
 * The address in `text` written in a standard form (no surrounding space, no port), or null. Mapped
 * addresses come back as IPv4 and a zone id (`fe80::1%eth0`) is dropped: neither changes who the peer is.
 */
export function parseIp(text: string): ParsedIp | null {
  if (text.length === 0 || text.length > MAX_ADDRESS_LENGTH) return null;
  const family = isIP(text);
  if (family === 4) return ipaddr.IPv4.parse(text);
  if (family !== 6) return null;
  const bare = stripZone(text);
  const compatible = IPV4_COMPATIBLE.exec(bare);
  const address = ipaddr.IPv6.parse(compatible ? `::0:${compatible[1]}` : bare);
  return address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

export function formatIp(address: ParsedIp): string {
  return address.kind() === 'ipv4' ? address.toString() : (address as ipaddr.IPv6).toRFC5952String();
}

/**
 * Strips what a proxy may put around an address in `X-Forwarded-For` (`1.2.3.4:5678`, `[2001:db8::1]`,
 * `[2001:db8::1]:443`); anything else is returned unchanged for the strict parser to judge.
 */
function withoutPort(raw: string): string {
  if (raw.startsWith('[')) {
    const close = raw.indexOf(']');
    const onlyPortAfter = close === raw.length - 1 || /^:\d{1,5}$/.test(raw.slice(close + 1));
    if (close > 0 && onlyPortAfter && raw.slice(1, close).includes(':')) {
      return raw.slice(1, close);
    }
    return raw;
  }
  const match = /^(\d+\.\d+\.\d+\.\d+):\d{1,5}$/.exec(raw);
  return match?.[1] ?? raw;
}

/**
 * The value of a canonical dotted quad (no leading zeros, each part 0–255), or -1 for anything else,
 * without allocating: the common case of a lookup is an IPv4 client whose text is already canonical.
 */
export function ipv4Value(text: string): number {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || ++dots > 3) return -1;
      value = value * 256 + part;
      part = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits > 0 && part === 0) return -1;
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return -1;
    } else {
      return -1;
    }
  }
  if (dots !== 3 || digits === 0) return -1;
  return value * 256 + part;
}

function parseAndFormat(raw: string): string | null {
  const address = parseIp(withoutPort(raw.trim()));
  return address ? formatIp(address) : null;
}

/** `[`, the longest IPv6 text, `]:65535`: longer text is parsed every time (it is rarely an address). */
const MAX_REMEMBERED_ADDRESS = 54;
/** IPv6 and mapped clients come back request after request: their canonical text is remembered. */
const recentlyNormalized = boundedMemo(parseAndFormat, 4096);

/**
 * The canonical text of an observed client address (a socket peer, an `X-Forwarded-For` entry), or null
 * when it is not an address. Accepts a port or brackets around it, as some proxies write them.
 */
export function normalizeIp(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  // What a socket reports for an IPv4 client is already canonical: nothing to parse on every request.
  if (ipv4Value(raw) >= 0) return raw;
  return raw.length <= MAX_REMEMBERED_ADDRESS ? recentlyNormalized(raw) : parseAndFormat(raw);
}

/**
 * The request's client address, canonical: the TCP peer, or the `X-Forwarded-For` entry that
 * `KM_TRUST_PROXY` designates (see trust-proxy.ts). Null only when a trusted proxy handed over something
 * that is not an address; the caller should refuse such a request rather than guess.
 */
export function clientIp(request: FastifyRequest): string | null {
  return normalizeIp(request.ip);
}

/** An address or a CIDR range, as a rule or allowlist entry stores it. */
export interface IpRange {
  kind: IpKind;
  /** The network address (the address itself for a single host). */
  network: ParsedIp;
  /** 32 or 128 for a single address. */
  prefix: number;
  /** Canonical text: `1.2.3.4`, `10.0.0.0/8`, `2001:db8::/32` (a single address without `/32` or `/128`). */
  text: string;
}

export type IpRangeResult = { ok: true; range: IpRange } | { ok: false; message: string };

const MAX_RULE_LENGTH = 64;
const PREFIX = /^(0|[1-9]\d{0,2})$/;
/** Characters IPv4 written in any of its odd forms can contain: digits, dots, hex digits and `x`. */
const LOOSE_IPV4 = /^[0-9a-fx.]+$/i;

const fail = (message: string): IpRangeResult => ({ ok: false, message });

function masked(address: ParsedIp, prefix: number): ParsedIp {
  const bytes = address.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.min(8, Math.max(0, prefix - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  return ipaddr.fromByteArray(bytes);
}

function explainBadAddress(text: string): string {
  if (LOOSE_IPV4.test(text) && ipaddr.IPv4.isValid(text)) {
    return (
      `"${text}" is not a plain IPv4 address: write four decimal numbers from 0 to 255 without leading ` +
      'zeros (octal, hexadecimal and shortened forms such as 010.0.0.1, 0x7f.1 or 127.1 are refused, ' +
      'because programs read them differently)'
    );
  }
  if (text.includes(':') && text.includes('.')) {
    return `"${text}" is not a valid IPv6 address (an IPv4 part must be four decimal numbers without leading zeros)`;
  }
  return `"${text}" is not an IP address`;
}

/**
 * Reads an address or CIDR range, IPv4 or IPv6, for a rule or the allowlist, and gives its canonical
 * text. Refused with a message a person can act on: the odd IPv4 forms (see above), prefixes with
 * leading zeros or out of range, and ranges with host bits set (`10.0.0.5/24`). Host bits are refused
 * rather than masked because either reading of such an entry is a guess: the writer may have meant the
 * one host or the whole network, and silently blocking (or allowing) 256 addresses is the worse mistake.
 * An IPv4-mapped IPv6 entry is stored as the IPv4 address or range it covers, since clients are
 * matched in that form.
 */
export function parseIpOrCidr(value: string): IpRangeResult {
  const text = value.trim();
  if (text.length === 0) return fail('is empty');
  if (text.length > MAX_RULE_LENGTH) return fail(`is longer than ${MAX_RULE_LENGTH} characters`);
  const parts = text.split('/');
  if (parts.length > 2) return fail(`"${text}" is not an address or a CIDR range`);
  const [addressText = '', prefixText] = parts;
  if (addressText.includes('%')) return fail('an address in a rule cannot carry a zone id (%…)');
  const family = isIP(addressText);
  const address = family === 0 ? null : parseIp(addressText);
  if (!address) return fail(explainBadAddress(addressText));
  const writtenMax = family === 4 ? 32 : 128;
  let prefix = writtenMax;
  if (prefixText !== undefined) {
    if (!PREFIX.test(prefixText)) {
      return fail(`the prefix length "${prefixText}" must be a decimal number without leading zeros`);
    }
    prefix = Number(prefixText);
    if (prefix > writtenMax)
      return fail(`the prefix length of an IPv${family} range is at most ${writtenMax}`);
  }
  if (address.kind() === 'ipv4' && family === 6) {
    if (prefix < 96) {
      return fail('an IPv4-mapped range needs a prefix of at least 96; write the IPv4 range instead');
    }
    prefix -= 96;
  }
  const network = masked(address, prefix);
  const canonical = formatIp(network);
  if (canonical !== formatIp(address)) {
    return fail(
      `"${text}" has host bits set; the range starting there is ${canonical}/${prefix} ` +
        '(write that, or the single address without a prefix)',
    );
  }
  const max = network.kind() === 'ipv4' ? 32 : 128;
  return {
    ok: true,
    range: {
      kind: network.kind(),
      network,
      prefix,
      text: prefix === max ? canonical : `${canonical}/${prefix}`,
    },
  };
}
