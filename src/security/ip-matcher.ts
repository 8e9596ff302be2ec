import type ipaddr from 'ipaddr.js';
import { formatIp, ipv4Value, parseIp, parseIpOrCidr } from './ip-address.js';

export { ipv4Value } from './ip-address.js';

/**
 * Finds the entries whose address or range contains a client address, on every request, so it is
 * built once per rule change and a lookup allocates nothing for an IPv4 client: single addresses sit
 * in a Map by canonical text; ranges are grouped by prefix length, each group a Map from network to
 * entries, so a lookup costs one Map probe per distinct prefix length however many ranges there are.
 * The most specific entry is found first: the exact address, then ranges from the longest prefix down.
 *
 * IPv4 and IPv6 never match each other, except that an IPv4-mapped client address (`::ffff:1.2.3.4`)
 * is the IPv4 address it carries (and entries are stored that way by parseIpOrCidr).
 */
export interface IpMatcher<T> {
  /** The first entry containing `ip` that `accept` takes (all when omitted), or undefined. */
  find(ip: string, accept?: (item: T) => boolean): T | undefined;
  readonly size: number;
}

interface V4Group<T> {
  prefix: number;
  mask: number;
  nets: Map<number, T[]>;
}

interface V6Group<T> {
  prefix: number;
  nets: Map<string, T[]>;
}

const v4Mask = (prefix: number) => (prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);

/** The first `prefix` bits of an IPv6 address as text, the key of its network in a group. */
function v6Key(parts: number[], prefix: number): string {
  const full = prefix >> 4;
  const rest = prefix & 15;
  let key = '';
  for (let i = 0; i < full; i++) key += `${parts[i]!.toString(16)}:`;
  if (rest > 0) key += ((parts[full]! >> (16 - rest)) << (16 - rest)).toString(16);
  return key;
}

function push<K, T>(map: Map<K, T[]>, key: K, item: T): void {
  const list = map.get(key);
  if (list) list.push(item);
  else map.set(key, [item]);
}

function firstAccepted<T>(list: T[] | undefined, accept?: (item: T) => boolean): T | undefined {
  if (!list) return undefined;
  if (!accept) return list[0];
  for (const item of list) if (accept(item)) return item;
  return undefined;
}

/**
 * Builds a matcher from entries whose values are addresses or CIDR ranges (parseIpOrCidr's canonical
 * text, or anything it accepts). Entries it refuses are handed to `onInvalid` and left out.
 */
export function createIpMatcher<T>(
  entries: Iterable<readonly [string, T]>,
  onInvalid: (value: string, item: T, message: string) => void = () => {},
): IpMatcher<T> {
  const exact = new Map<string, T[]>();
  const v4 = new Map<number, V4Group<T>>();
  const v6 = new Map<number, V6Group<T>>();
  let size = 0;

  for (const [value, item] of entries) {
    // Most entries are single IPv4 addresses (bans): already canonical, they need no parsing.
    if (ipv4Value(value) >= 0) {
      size++;
      push(exact, value, item);
      continue;
    }
    const parsed = parseIpOrCidr(value);
    if (!parsed.ok) {
      onInvalid(value, item, parsed.message);
      continue;
    }
    size++;
    const { kind, prefix, network } = parsed.range;
    if (prefix === (kind === 'ipv4' ? 32 : 128)) {
      push(exact, formatIp(network), item);
    } else if (kind === 'ipv4') {
      let group = v4.get(prefix);
      if (!group) v4.set(prefix, (group = { prefix, mask: v4Mask(prefix), nets: new Map() }));
      const bytes = network.toByteArray();
      push(group.nets, ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0, item);
    } else {
      let group = v6.get(prefix);
      if (!group) v6.set(prefix, (group = { prefix, nets: new Map() }));
      push(group.nets, v6Key((network as ipaddr.IPv6).parts, prefix), item);
    }
  }

  const v4Groups = [...v4.values()].sort((a, b) => b.prefix - a.prefix);
  const v6Groups = [...v6.values()].sort((a, b) => b.prefix - a.prefix);

  function findV4(text: string, value: number, accept?: (item: T) => boolean): T | undefined {
    const hit = firstAccepted(exact.get(text), accept);
    if (hit !== undefined) return hit;
    for (const group of v4Groups) {
      const found = firstAccepted(group.nets.get((value & group.mask) >>> 0), accept);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  return {
    size,
    find(ip, accept) {
      if (size === 0) return undefined;
      const value = ipv4Value(ip);
      if (value >= 0) return findV4(ip, value, accept);
      const address = parseIp(ip);
      if (!address) return undefined;
      const text = formatIp(address);
      if (address.kind() === 'ipv4') return findV4(text, ipv4Value(text), accept);
      const hit = firstAccepted(exact.get(text), accept);
      if (hit !== undefined) return hit;
      const parts = (address as ipaddr.IPv6).parts;
      for (const group of v6Groups) {
        const found = firstAccepted(group.nets.get(v6Key(parts, group.prefix)), accept);
        if (found !== undefined) return found;
      }
      return undefined;
    },
  };
}
