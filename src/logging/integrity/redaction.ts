import ipaddr from 'ipaddr.js';
import { boundedMemo } from '../../shared/bounded-memo.js';

/**
 * The forms personal data takes once the privacy period has passed. Both functions are idempotent
 * (applied to their own output they return it unchanged), which is what lets the hash chain bind the
 * redacted form from the first day: the canonical form of an entry holds `truncateIp(ip)` and
 * `reduceUserAgent(user_agent)`, computed from whatever the row holds now (see chain.ts).
 */

const IPV4_PREFIX = 24;
const IPV6_PREFIX = 48;
const USER_AGENT_MAX = 128;

/**
 * The first three parts of an IPv4 address in plain decimals (`203.0.113.7` → `203.0.113`), the form the
 * request path records; null for any other form, which the general parser handles.
 */
function plainIpv4Network(text: string): string | null {
  if (text.length < 7 || text.length > 15) return null;
  let parts = 0;
  let value = 0;
  let digits = 0;
  let thirdDot = -1;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 46;
    if (code === 46) {
      if (digits === 0 || parts === 4) return null;
      if (++parts === 3) thirdDot = i;
      value = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57 && !(digits === 1 && value === 0)) {
      value = value * 10 + code - 48;
      if (value > 255) return null;
      digits++;
    } else return null;
  }
  return parts === 4 ? text.slice(0, thirdDot) : null;
}

const CACHE_MAX = 4096;

/** An address (or a range already truncated) as its /24 (IPv4) or /48 (IPv6) network; null if not an address. */
export function truncateIp(text: string | null): string | null {
  if (!text) return null;
  // Every chained entry pays this, written and verified: the common form skips the parser.
  const network = plainIpv4Network(text);
  if (network !== null) return `${network}.0/${IPV4_PREFIX}`;
  return truncateParsed(text);
}

const truncateParsed = boundedMemo(truncateParsedIp, CACHE_MAX);

function truncateParsedIp(text: string): string | null {
  let address: ipaddr.IPv4 | ipaddr.IPv6;
  let prefix: number;
  try {
    if (text.includes('/')) [address, prefix] = ipaddr.parseCIDR(text);
    else {
      address = ipaddr.parse(text);
      prefix = address.kind() === 'ipv4' ? 32 : 128;
    }
  } catch {
    return null;
  }
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) {
    address = (address as ipaddr.IPv6).toIPv4Address();
    prefix = Math.max(0, prefix - 96);
  }
  const keep = Math.min(prefix, address.kind() === 'ipv4' ? IPV4_PREFIX : IPV6_PREFIX);
  const network =
    address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${keep}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${keep}`);
  const shown = network.kind() === 'ipv4' ? network.toString() : (network as ipaddr.IPv6).toRFC5952String();
  return `${shown}/${keep}`;
}

/**
 * A user agent reduced to its product names with major versions, comments dropped:
 * `Mozilla/5.0 (X11; Linux x86_64) Chrome/120.0.1 Safari/537.36` → `Mozilla/5 Chrome/120 Safari/537`,
 * `keymanager-node/1.4.2 (linux; node 20)` → `keymanager-node/1`. Enough for "which SDK versions call
 * us", too little to single out a device.
 */
export function reduceUserAgent(userAgent: string | null): string | null {
  return userAgent ? reduce(userAgent) : null;
}

// A few user agents (the SDKs' versions) make most of the traffic.
const reduce = boundedMemo(reduceUserAgentText, CACHE_MAX);

function reduceUserAgentText(userAgent: string): string | null {
  const withoutComments = userAgent.replace(/\([^)]*\)?/g, ' ');
  const tokens: string[] = [];
  for (const token of withoutComments.split(/\s+/)) {
    if (!token) continue;
    const slash = token.indexOf('/');
    if (slash < 0) tokens.push(token);
    else {
      const major = /^\d+/.exec(token.slice(slash + 1))?.[0];
      tokens.push(major === undefined ? token.slice(0, slash) : `${token.slice(0, slash)}/${major}`);
    }
  }
  const reduced = tokens.join(' ').slice(0, USER_AGENT_MAX).trimEnd();
  return reduced === '' ? null : reduced;
}
