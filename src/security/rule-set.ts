import { boundedMemo } from '../shared/bounded-memo.js';
import { createIpMatcher } from './ip-matcher.js';
import type { RuleSet, RuleType } from './security-types.js';

/** What a rule set is compiled from: the stored rules and allowlist, and the API keys they concern. */
export interface RuleSetSource {
  rules: readonly { id: string; type: string; value: string; expires_at: string | null }[];
  allowlist: readonly { id: string; value: string }[];
  /** `key_hash` of every revoked API key. */
  revokedKeyHashes: Iterable<string>;
  /** `key_hash` by key id, for the keys `api_key` rules name. */
  keyHashById: ReadonlyMap<string, string>;
}

/** The rule id a revoked key is refused with (the key's revocation is the rule). */
export const API_KEY_REVOKED_RULE = 'API_KEY_REVOKED';

interface Compiled {
  id: string;
  /** Epoch ms; Infinity for a rule without expiry. */
  expiresAt: number;
}

export interface SkippedRule {
  id: string;
  reason: string;
}

function firstLive(list: readonly Compiled[] | undefined, now: number): string | null {
  if (!list) return null;
  for (const rule of list) if (rule.expiresAt > now) return rule.id;
  return null;
}

/** User agents whose matching rules are remembered per rule set (one client sends the same one each time). */
const USER_AGENT_MEMO_MAX = 1024;
/** Longer user agents are matched every time, so the memory stays small whatever clients send. */
const USER_AGENT_MEMO_KEY_MAX = 512;

function add(map: Map<string, Compiled[]>, key: string, rule: Compiled): void {
  const list = map.get(key);
  if (list) list.push(rule);
  else map.set(key, [rule]);
}

/**
 * Compiles stored rows into the structures the request path consults: Maps and an IP matcher, built
 * once per change, so a lookup is a few Map probes (and, for a user agent not seen lately, one
 * lower-casing and a search per user-agent rule). Expiry is checked at match time against the caller's
 * `now`, so a rule stops applying the moment it expires without waiting for a rebuild. A row that cannot be used (an address
 * that no longer parses, an `api_key` rule naming an unknown key) is left out and reported in `skipped`.
 */
export function compileRuleSet(source: RuleSetSource): { ruleSet: RuleSet; skipped: SkippedRule[] } {
  const skipped: SkippedRule[] = [];
  const ips: [string, Compiled][] = [];
  const countries = new Map<string, Compiled[]>();
  const userAgents: { needle: string; rule: Compiled }[] = [];
  const apiKeys = new Map<string, Compiled[]>();
  const fingerprints = new Map<string, Compiled[]>();

  for (const row of source.rules) {
    const rule: Compiled = {
      id: row.id,
      expiresAt: row.expires_at === null ? Infinity : Date.parse(row.expires_at),
    };
    switch (row.type as RuleType) {
      case 'ip':
        ips.push([row.value, rule]);
        break;
      case 'country':
        add(countries, row.value.toUpperCase(), rule);
        break;
      case 'user_agent':
        userAgents.push({ needle: row.value.toLowerCase(), rule });
        break;
      case 'api_key': {
        const hash = source.keyHashById.get(row.value);
        if (hash) add(apiKeys, hash, rule);
        else skipped.push({ id: row.id, reason: `no API key ${row.value}` });
        break;
      }
      case 'fingerprint':
        add(fingerprints, row.value, rule);
        break;
      default:
        skipped.push({ id: row.id, reason: `unknown rule type ${row.type}` });
    }
  }

  const ipRules = createIpMatcher(ips, (value, rule, message) =>
    skipped.push({ id: rule.id, reason: `${value}: ${message}` }),
  );
  const allowlist = createIpMatcher(
    source.allowlist.map((entry) => [entry.value, entry.id] as const),
    (value, id, message) => skipped.push({ id, reason: `${value}: ${message}` }),
  );
  const revoked = new Set(source.revokedKeyHashes);
  // Which rules a user agent contains, expired or not: expiry is still judged on every request.
  const userAgentRulesOf = (userAgent: string): Compiled[] => {
    const haystack = userAgent.toLowerCase();
    return userAgents.filter(({ needle }) => haystack.includes(needle)).map(({ rule }) => rule);
  };
  const recentUserAgentRules = boundedMemo(userAgentRulesOf, USER_AGENT_MEMO_MAX);

  const ruleSet: RuleSet = {
    isAllowlisted: (ip) => allowlist.find(ip) !== undefined,
    matchIp(ip, now) {
      return ipRules.find(ip, (rule) => rule.expiresAt > now)?.id ?? null;
    },
    matchCountry: (countryCode, now) => firstLive(countries.get(countryCode), now),
    matchUserAgent(userAgent, now) {
      if (userAgents.length === 0 || !userAgent) return null;
      return firstLive(
        userAgent.length <= USER_AGENT_MEMO_KEY_MAX
          ? recentUserAgentRules(userAgent)
          : userAgentRulesOf(userAgent),
        now,
      );
    },
    matchApiKeyHash(keyHash, now) {
      if (revoked.has(keyHash)) return API_KEY_REVOKED_RULE;
      return firstLive(apiKeys.get(keyHash), now);
    },
    hasFingerprintRules: fingerprints.size > 0,
    matchFingerprint: (fingerprint, now) => firstLive(fingerprints.get(fingerprint), now),
  };
  return { ruleSet, skipped };
}

export const EMPTY_RULE_SET: RuleSet = compileRuleSet({
  rules: [],
  allowlist: [],
  revokedKeyHashes: [],
  keyHashById: new Map(),
}).ruleSet;
