import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Reader } from 'maxmind';
import type { CountryLookup } from './security-types.js';
import { formatIp, parseIp } from './ip-address.js';

/**
 * The IPv4 + IPv6 country database of `@ip-location-db/geo-whois-asn-country-mmdb` (CC0 data from the
 * regional registries, shipped in the npm package, so nothing is downloaded at run time). Updating it
 * means updating the package.
 */
export const COUNTRY_DATABASE = '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb';

interface CountryRecord {
  country_code?: unknown;
}

const COUNTRY_CODE = /^[A-Z]{2}$/;
const CACHE_MAX = 10_000;
/** The longest text of an IPv6 address; anything longer is not cached. */
const MAX_CACHED_KEY = 45;

/**
 * Reads the whole database into memory once (about 8 MB) and answers from it synchronously: a lookup
 * is a walk of at most 128 tree nodes, cheap enough for every request.
 *
 * Only ordinary unicast addresses are looked up: private, loopback, link-local, carrier-grade NAT,
 * multicast, documentation and other special-purpose addresses belong to no country.
 */
export function createCountryLookup(
  file = createRequire(import.meta.url).resolve(COUNTRY_DATABASE),
): CountryLookup {
  const reader = new Reader(readFileSync(file));
  // Recent answers by address: a client sends many requests, and a hit costs a Map probe instead of
  // parsing the address twice and walking the tree (about 3 µs). Cleared when full, like the API-key cache.
  const recent = new Map<string, string | null>();

  function lookup(ip: string): string | null {
    const address = parseIp(ip);
    if (!address || address.range() !== 'unicast') return null;
    // The database's own record shape (one field), not one of MaxMind's that the types know.
    const code = (reader.get(formatIp(address)) as CountryRecord | null)?.country_code;
    return typeof code === 'string' && COUNTRY_CODE.test(code) ? code : null;
  }

  return {
    country(ip: string): string | null {
      const cached = recent.get(ip);
      if (cached !== undefined) return cached;
      const code = lookup(ip);
      if (ip.length > MAX_CACHED_KEY) return code;
      if (recent.size >= CACHE_MAX) recent.clear();
      recent.set(ip, code);
      return code;
    },
  };
}
