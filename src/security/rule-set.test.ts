import { describe, expect, it } from 'vitest';
import { API_KEY_REVOKED_RULE, compileRuleSet, EMPTY_RULE_SET } from './rule-set.js';

const T0 = Date.parse('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

const { ruleSet, skipped } = compileRuleSet({
  rules: [
    { id: 'rule_ip_range', type: 'ip', value: '10.0.0.0/8', expires_at: null },
    { id: 'rule_ip_host_short', type: 'ip', value: '10.1.1.1', expires_at: at(1000) },
    { id: 'rule_ip_host_long', type: 'ip', value: '10.1.1.1', expires_at: at(60_000) },
    { id: 'rule_ip_v6', type: 'ip', value: '2001:db8::/32', expires_at: null },
    { id: 'rule_country', type: 'country', value: 'KP', expires_at: null },
    { id: 'rule_ua', type: 'user_agent', value: 'SQLMap', expires_at: at(5000) },
    { id: 'rule_key', type: 'api_key', value: 'key_a', expires_at: null },
    { id: 'rule_fp', type: 'fingerprint', value: 'fp1', expires_at: at(10) },
    { id: 'rule_unknown_key', type: 'api_key', value: 'key_gone', expires_at: null },
    { id: 'rule_bad_ip', type: 'ip', value: '010.0.0.1', expires_at: null },
    { id: 'rule_other', type: 'asn', value: '64496', expires_at: null },
  ],
  allowlist: [{ id: 'allow_office', value: '10.9.0.0/16' }],
  revokedKeyHashes: ['hash_revoked'],
  keyHashById: new Map([['key_a', 'hash_a']]),
});

describe('compileRuleSet', () => {
  it.each<[string, (now: number) => string | null, number, string | null]>([
    ['an address in a range', (now) => ruleSet.matchIp('10.2.3.4', now), T0, 'rule_ip_range'],
    [
      'an exact address before its range',
      (now) => ruleSet.matchIp('10.1.1.1', now),
      T0,
      'rule_ip_host_short',
    ],
    [
      'the next live rule once one expires',
      (now) => ruleSet.matchIp('10.1.1.1', now),
      T0 + 1000,
      'rule_ip_host_long',
    ],
    [
      'the range once both host rules expire',
      (now) => ruleSet.matchIp('10.1.1.1', now),
      T0 + 60_000,
      'rule_ip_range',
    ],
    ['a mapped address', (now) => ruleSet.matchIp('::ffff:10.2.3.4', now), T0, 'rule_ip_range'],
    ['an IPv6 range', (now) => ruleSet.matchIp('2001:db8:5::1', now), T0, 'rule_ip_v6'],
    ['no rule', (now) => ruleSet.matchIp('192.0.2.1', now), T0, null],
    ['garbage', (now) => ruleSet.matchIp('not an ip', now), T0, null],
    ['a country', (now) => ruleSet.matchCountry('KP', now), T0, 'rule_country'],
    ['another country', (now) => ruleSet.matchCountry('KR', now), T0, null],
    [
      'a user agent, any case, anywhere',
      (now) => ruleSet.matchUserAgent('x sqlmap/1.7#stable', now),
      T0,
      'rule_ua',
    ],
    ['an expired user-agent rule', (now) => ruleSet.matchUserAgent('sqlmap/1.7', now), T0 + 5000, null],
    ['an ordinary browser', (now) => ruleSet.matchUserAgent('Mozilla/5.0 Firefox/128.0', now), T0, null],
    ['an empty user agent', (now) => ruleSet.matchUserAgent('', now), T0, null],
    ['a revoked key', (now) => ruleSet.matchApiKeyHash('hash_revoked', now), T0, API_KEY_REVOKED_RULE],
    ['a key named by a rule', (now) => ruleSet.matchApiKeyHash('hash_a', now), T0, 'rule_key'],
    ['another key', (now) => ruleSet.matchApiKeyHash('hash_b', now), T0, null],
    ['a fingerprint', (now) => ruleSet.matchFingerprint('fp1', now), T0 + 9, 'rule_fp'],
    ['a fingerprint at its expiry', (now) => ruleSet.matchFingerprint('fp1', now), T0 + 10, null],
  ])('%s', (_name, match, now, expected) => {
    expect(match(now)).toBe(expected);
  });

  it('answers the allowlist', () => {
    expect(ruleSet.isAllowlisted('10.9.200.1')).toBe(true);
    expect(ruleSet.isAllowlisted('::ffff:10.9.200.1')).toBe(true);
    expect(ruleSet.isAllowlisted('10.8.0.1')).toBe(false);
  });

  it('reports the rows it cannot apply', () => {
    expect(skipped.map((s) => s.id).sort()).toEqual(['rule_bad_ip', 'rule_other', 'rule_unknown_key']);
  });

  it('starts empty', () => {
    expect(EMPTY_RULE_SET.isAllowlisted('1.2.3.4')).toBe(false);
    expect(EMPTY_RULE_SET.matchIp('1.2.3.4', T0)).toBeNull();
    expect(EMPTY_RULE_SET.matchApiKeyHash('x', T0)).toBeNull();
  });
});
