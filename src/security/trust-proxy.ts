import type { Config } from '../config/config.js';
import { parseIpOrCidr } from './ip-address.js';
import { createIpMatcher } from './ip-matcher.js';

/** The named ranges @fastify/proxy-addr knows, kept so a `KM_TRUST_PROXY=loopback` setting still reads. */
export const NAMED_PROXY_RANGES: Record<string, string[]> = {
  loopback: ['127.0.0.0/8', '::1'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

/** Why an entry of a `KM_TRUST_PROXY` list is not a proxy address, range or named range; null when it is. */
export function trustedProxyProblem(entry: string): string | null {
  if (Object.hasOwn(NAMED_PROXY_RANGES, entry)) return null;
  const parsed = parseIpOrCidr(entry);
  return parsed.ok ? null : parsed.message;
}

type TrustFunction = (address: string, hop: number) => boolean;

/**
 * Fastify's `trustProxy` option for the `KM_TRUST_PROXY` setting; `request.ip` then follows it.
 *
 * - off: the TCP peer; `X-Forwarded-For` is ignored.
 * - a list: walking from the peer towards the client, every address that is a listed proxy is skipped;
 *   the first that is not is the client. Matched here with the same strict parser and canonical form as
 *   the security rules (proxy-addr's own parser would read `010.0.0.1` as 8.0.0.1).
 * - a hop count n: the peer and the n - 1 addresses after it are proxies, whatever they are. Fastify 5
 *   refuses a bare number (it trusts nothing then), because anyone who can reach the server directly
 *   can claim any address this way; the operator who sets a count has said that nobody can, so it is
 *   given as a function.
 * - true: the left-most `X-Forwarded-For` address, which only a proxy that overwrites the header makes safe.
 */
export function trustProxyOption(setting: Config['trustProxy']): boolean | TrustFunction {
  if (setting === true || setting === false) return setting;
  if (typeof setting === 'number') {
    if (setting <= 0) return false;
    return (_address, hop) => hop < setting;
  }
  const values = setting.flatMap((entry) => NAMED_PROXY_RANGES[entry] ?? [entry]);
  const proxies = createIpMatcher(
    values.map((value) => [value, true] as const),
    (value, _item, message) => {
      throw new Error(`KM_TRUST_PROXY: ${value}: ${message}`);
    },
  );
  return (address) => proxies.find(address) !== undefined;
}
