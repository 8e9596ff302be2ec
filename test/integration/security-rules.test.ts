import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSecurityRulesService } from '../../src/security/security-rules.service.js';
import { DEFAULT_RATE_LIMITS } from '../../src/security/rate-limit-settings.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { signIn } from '../helpers/access.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { errorOf } from './licensing-fixtures.js';

const RULES = '/api/v1/security/rules';
const ALLOW = '/api/v1/security/allowlist';
const LIMITS = '/api/v1/security/rate-limits';

interface Rule {
  id: string;
  type: string;
  value: string;
  reason: string | null;
  source: string;
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
  active: boolean;
}

const sha256 = (secret: string) => createHash('sha256').update(secret).digest('hex');

describe.each(DIALECTS)('security rules, allowlist and rate limits on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  const rules = () => t.services.securityRules;
  const now = () => t.clock.now().getTime();
  const inMinutes = (minutes: number) => new Date(now() + minutes * 60_000).toISOString();

  async function createRule(payload: Record<string, unknown>): Promise<Rule> {
    const response = await t.request({ method: 'POST', url: RULES, payload });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<Rule>();
  }
  async function list(query = ''): Promise<{ data: Rule[]; next_cursor: string | null }> {
    const response = await t.request({ method: 'GET', url: `${RULES}${query}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  }
  async function count(table: 'security_rules' | 'security_allowlist' | 'settings'): Promise<number> {
    const row = await t.services.core.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }
  async function counts() {
    return {
      rules: await count('security_rules'),
      allowlist: await count('security_allowlist'),
      settings: await count('settings'),
    };
  }

  describe('creating rules', () => {
    it('stores each type normalised, answers it, and applies it to the next request at once', async () => {
      const { apiKey, secret } = await t.services.apiKeys.create({ name: 'partner', scope: 'licenses' });
      const ip = await createRule({ type: 'ip', value: '::ffff:10.0.0.0/104', reason: 'office scan' });
      expect(ip).toEqual({
        id: expect.stringMatching(/^rule_[0-9a-z]{26}$/),
        type: 'ip',
        value: '10.0.0.0/8',
        reason: 'office scan',
        source: 'manual',
        created_by: 'test owner',
        created_at: t.clock.now().toISOString(),
        expires_at: null,
        active: true,
      });
      const v6 = await createRule({ type: 'ip', value: '2001:0DB8:0000:0000:0000:0000:0000:0001' });
      const country = await createRule({ type: 'country', value: 'kp' });
      const agent = await createRule({ type: 'user_agent', value: '  EvilScanner ' });
      const key = await createRule({ type: 'api_key', value: apiKey.id, reason: 'leaked' });
      expect([v6.value, country.value, agent.value, key.value]).toEqual([
        '2001:db8::1',
        'KP',
        'EvilScanner',
        apiKey.id,
      ]);

      const set = rules().ruleSet();
      expect(set.matchIp('10.200.0.1', now())).toBe(ip.id);
      expect(set.matchIp('::ffff:10.200.0.1', now())).toBe(ip.id);
      expect(set.matchIp('11.0.0.1', now())).toBeNull();
      expect(set.matchIp('2001:db8::1', now())).toBe(v6.id);
      expect(set.matchIp('2001:db8::2', now())).toBeNull();
      expect(set.matchCountry('KP', now())).toBe(country.id);
      expect(set.matchCountry('KR', now())).toBeNull();
      expect(set.matchUserAgent('Mozilla/5.0 (compatible; evilscanner/2.1)', now())).toBe(agent.id);
      expect(set.matchUserAgent('Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0', now())).toBeNull();
      expect(set.matchApiKeyHash(sha256(secret), now())).toBe(key.id);
      expect(set.matchApiKeyHash(sha256('km_live_other'), now())).toBeNull();

      for (const rule of [ip, v6, country, agent, key]) {
        const response = await t.request({ method: 'GET', url: `${RULES}/${rule.id}` });
        expect(response.json()).toEqual(rule);
      }
    });

    it('refuses a rule identical to a manual one in force', async () => {
      await createRule({ type: 'ip', value: '198.51.100.7' });
      const response = await t.request({
        method: 'POST',
        url: RULES,
        payload: { type: 'ip', value: '198.51.100.7/32' },
      });
      expect(response.statusCode).toBe(409);
      expect(errorOf(response).code).toBe('ERR_CONFLICT');
    });
  });

  describe('bad input', () => {
    const past = () => new Date(now() - 1000).toISOString();
    const bad: [string, () => Record<string, unknown>, string][] = [
      ['an octal IPv4 address', () => ({ type: 'ip', value: '010.0.0.1' }), 'value'],
      ['a hexadecimal IPv4 address', () => ({ type: 'ip', value: '0x7f.1' }), 'value'],
      ['a shortened IPv4 address', () => ({ type: 'ip', value: '127.1' }), 'value'],
      ['a leading zero in an IPv4 address', () => ({ type: 'ip', value: '10.0.0.01' }), 'value'],
      ['a range with host bits', () => ({ type: 'ip', value: '10.0.0.5/24' }), 'value'],
      ['a prefix too long', () => ({ type: 'ip', value: '10.0.0.0/33' }), 'value'],
      ['a host name', () => ({ type: 'ip', value: 'example.com' }), 'value'],
      ['an unassigned country code', () => ({ type: 'country', value: 'XX' }), 'value'],
      ['a non-country region code', () => ({ type: 'country', value: 'EU' }), 'value'],
      ['a three-letter country code', () => ({ type: 'country', value: 'DEU' }), 'value'],
      ['an empty user agent', () => ({ type: 'user_agent', value: '' }), 'value'],
      ['a blank user agent', () => ({ type: 'user_agent', value: '   ' }), 'value'],
      ['a two-letter user agent', () => ({ type: 'user_agent', value: 'go' }), 'value'],
      ['an over-long user agent', () => ({ type: 'user_agent', value: 'x'.repeat(201) }), 'value'],
      [
        'a user agent with a control character',
        () => ({ type: 'user_agent', value: 'bad\u0001bot' }),
        'value',
      ],
      [
        'an unknown API key id',
        () => ({ type: 'api_key', value: 'key_01jzzzzzzzzzzzzzzzzzzzzzzz' }),
        'value',
      ],
      ['an API key secret instead of an id', () => ({ type: 'api_key', value: 'km_live_abc' }), 'value'],
      ['a fingerprint rule made by hand', () => ({ type: 'fingerprint', value: 'abc123' }), 'type'],
      ['an unknown type', () => ({ type: 'regex', value: '.*' }), 'type'],
      ['an expiry in the past', () => ({ type: 'ip', value: '192.0.2.1', expires_at: past() }), 'expires_at'],
      [
        'an expiry of now',
        () => ({ type: 'ip', value: '192.0.2.1', expires_at: t.clock.now().toISOString() }),
        'expires_at',
      ],
      [
        'an expiry that is not a date',
        () => ({ type: 'ip', value: '192.0.2.1', expires_at: 'tomorrow' }),
        'expires_at',
      ],
      ['a missing value', () => ({ type: 'ip' }), 'value'],
      ['an unknown field', () => ({ type: 'ip', value: '192.0.2.1', pattern: '.*' }), 'pattern'],
      ['an over-long reason', () => ({ type: 'ip', value: '192.0.2.1', reason: 'r'.repeat(501) }), 'reason'],
    ];

    it.each(bad)(
      'refuses %s with 422 naming the field, and stores nothing',
      async (_name, payload, field) => {
        const before = await counts();
        const rows = await newActivity(t, async () => {
          const response = await t.request({ method: 'POST', url: RULES, payload: payload() });
          expect(response.statusCode, response.body).toBe(422);
          expect(errorOf(response)).toMatchObject({
            code: 'ERR_VALIDATION',
            details: expect.arrayContaining([expect.objectContaining({ field })]),
          });
        });
        expect(await counts()).toEqual(before);
        // The refusal is itself recorded, as every refused administrative action is.
        expect(rows.map((r) => [r.action_type, r.result, r.error_code])).toEqual([
          ['SECURITY_RULE_CREATED', 'failure', 'ERR_VALIDATION'],
        ]);
      },
    );

    it('says why an ambiguous IPv4 form is refused', async () => {
      const response = await t.request({
        method: 'POST',
        url: RULES,
        payload: { type: 'ip', value: '010.0.0.1' },
      });
      expect(errorOf(response).details).toEqual([
        { field: 'value', message: expect.stringMatching(/not a plain IPv4 address.*leading zeros/) },
      ]);
    });

    it('names every bad field of one request', async () => {
      const response = await t.request({
        method: 'POST',
        url: RULES,
        payload: { type: 'country', value: 'ZZ', expires_at: past() },
      });
      expect(errorOf(response).details).toEqual([
        { field: 'value', message: expect.any(String) },
        { field: 'expires_at', message: 'must be in the future' },
      ]);
    });
  });

  describe('listing, expiry and lifting', () => {
    let expiring: Rule;
    let forever: Rule;
    beforeAll(async () => {
      expiring = await createRule({ type: 'ip', value: '203.0.113.0/24', expires_at: inMinutes(10) });
      forever = await createRule({ type: 'country', value: 'RU' });
    });

    it('lists newest first, filters by type and source, and pages with a cursor', async () => {
      const all = await list();
      expect(all.data.length).toBeGreaterThanOrEqual(4);
      expect(all.data.map((r) => r.id)).toEqual([...all.data.map((r) => r.id)].sort().reverse());
      expect(all.data[0]?.id).toBe(forever.id);

      const countries = await list('?type=country');
      expect(countries.data.length).toBeGreaterThan(0);
      expect(countries.data.every((r) => r.type === 'country')).toBe(true);
      expect((await list('?source=automatic')).data).toEqual([]);
      expect((await list('?source=manual')).data.length).toBe(all.data.length);

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await list(`?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.data.length).toBeLessThanOrEqual(2);
        seen.push(...page.data.map((r) => r.id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen).toEqual(all.data.map((r) => r.id));

      const badFilter = await t.request({ method: 'GET', url: `${RULES}?type=regex` });
      expect(badFilter.statusCode).toBe(422);
    });

    it('stops applying a rule the moment it expires, and lists it only when asked', async () => {
      expect(rules().ruleSet().matchIp('203.0.113.9', now())).toBe(expiring.id);
      t.clock.advance(10 * 60_000 + 1);
      expect(rules().ruleSet().matchIp('203.0.113.9', now())).toBeNull();
      expect((await list()).data.map((r) => r.id)).not.toContain(expiring.id);
      const withExpired = await list('?include_expired=true');
      expect(withExpired.data.find((r) => r.id === expiring.id)).toMatchObject({ active: false });
      const one = await t.request({ method: 'GET', url: `${RULES}/${expiring.id}` });
      expect(one.json()).toMatchObject({ id: expiring.id, active: false });
      // A reload leaves expired rules out of the compiled set altogether.
      await rules().reload();
      expect(rules().ruleSet().matchIp('203.0.113.9', now())).toBeNull();
    });

    it('lifts a rule at once, keeps its row, and answers 404 afterwards', async () => {
      expect(rules().ruleSet().matchCountry('RU', now())).toBe(forever.id);
      const rows = await newActivity(t, async () => {
        const response = await t.request({ method: 'DELETE', url: `${RULES}/${forever.id}` });
        expect(response.statusCode, response.body).toBe(204);
      });
      expect(rules().ruleSet().matchCountry('RU', now())).toBeNull();
      expect((await t.request({ method: 'GET', url: `${RULES}/${forever.id}` })).statusCode).toBe(404);
      expect((await list('?include_expired=true')).data.map((r) => r.id)).not.toContain(forever.id);
      expect((await t.request({ method: 'DELETE', url: `${RULES}/${forever.id}` })).statusCode).toBe(404);
      const stored = await t.services.core.db
        .selectFrom('security_rules')
        .select(['deleted_at'])
        .where('id', '=', forever.id)
        .executeTakeFirstOrThrow();
      expect(stored.deleted_at).toBe(t.clock.now().toISOString());

      expect(rows.map((r) => [r.action_type, r.resource_type, r.resource_id, r.result])).toEqual([
        ['SECURITY_RULE_DELETED', 'security_rule', forever.id, 'success'],
      ]);
      expect(rows[0] && detailsOf(rows[0])).toEqual({
        deleted: { type: 'country', value: 'RU', reason: null, source: 'manual', expires_at: null },
      });
      // Once lifted, the same rule may be made again.
      await createRule({ type: 'country', value: 'RU' });
    });

    it('records a creation with what was stored', async () => {
      const expires = inMinutes(30);
      const rows = await newActivity(t, () =>
        createRule({ type: 'user_agent', value: 'masscan', reason: 'scanner', expires_at: expires }),
      );
      expect(rows.map((r) => [r.action_type, r.resource_type, r.result, r.admin_user])).toEqual([
        ['SECURITY_RULE_CREATED', 'security_rule', 'success', 'test owner'],
      ]);
      expect(rows[0]?.resource_id).toMatch(/^rule_/);
      expect(rows[0] && detailsOf(rows[0])).toEqual({
        type: 'user_agent',
        value: 'masscan',
        reason: 'scanner',
        expires_at: expires,
      });
    });
  });

  describe('the allowlist', () => {
    it('adds, lists, applies, refuses duplicates and removes entries, each recorded', async () => {
      let entry: { id: string; value: string } | undefined;
      const added = await newActivity(t, async () => {
        const response = await t.request({
          method: 'POST',
          url: ALLOW,
          payload: { value: '::ffff:192.0.2.0/120', note: 'monitoring' },
        });
        expect(response.statusCode, response.body).toBe(201);
        entry = response.json();
      });
      if (!entry) throw new Error('no entry');
      expect(entry).toEqual({
        id: expect.stringMatching(/^allow_[0-9a-z]{26}$/),
        value: '192.0.2.0/24',
        note: 'monitoring',
        created_by: 'test owner',
        created_at: t.clock.now().toISOString(),
      });
      expect(added.map((r) => [r.action_type, r.resource_type, r.resource_id])).toEqual([
        ['ALLOWLIST_ENTRY_ADDED', 'allowlist_entry', entry.id],
      ]);
      expect(added[0] && detailsOf(added[0])).toEqual({ value: '192.0.2.0/24', note: 'monitoring' });

      expect(rules().ruleSet().isAllowlisted('192.0.2.200')).toBe(true);
      expect(rules().ruleSet().isAllowlisted('::ffff:192.0.2.200')).toBe(true);
      expect(rules().ruleSet().isAllowlisted('192.0.3.1')).toBe(false);
      const listed = await t.request({ method: 'GET', url: ALLOW });
      expect(listed.json()).toEqual({ data: [entry], next_cursor: null });

      const duplicate = await t.request({ method: 'POST', url: ALLOW, payload: { value: '192.0.2.0/24' } });
      expect(duplicate.statusCode).toBe(409);

      const removed = await newActivity(t, async () => {
        const response = await t.request({ method: 'DELETE', url: `${ALLOW}/${entry?.id}` });
        expect(response.statusCode).toBe(204);
      });
      expect(removed.map((r) => [r.action_type, r.resource_id, r.result])).toEqual([
        ['ALLOWLIST_ENTRY_REMOVED', entry.id, 'success'],
      ]);
      expect(rules().ruleSet().isAllowlisted('192.0.2.200')).toBe(false);
      expect((await t.request({ method: 'GET', url: ALLOW })).json()).toEqual({
        data: [],
        next_cursor: null,
      });
      expect((await t.request({ method: 'DELETE', url: `${ALLOW}/${entry.id}` })).statusCode).toBe(404);
    });

    it.each([
      ['010.0.0.1', 'value'],
      ['10.0.0.5/24', 'value'],
      ['not-an-address', 'value'],
      ['', 'value'],
    ])('refuses %j with 422 and stores nothing', async (value, field) => {
      const before = await counts();
      const response = await t.request({ method: 'POST', url: ALLOW, payload: { value } });
      expect(response.statusCode).toBe(422);
      expect(errorOf(response)).toMatchObject({ details: [expect.objectContaining({ field })] });
      expect(await counts()).toEqual(before);
    });
  });

  describe('rate limits', () => {
    const get = async () => (await t.request({ method: 'GET', url: LIMITS })).json<unknown>();
    const put = (payload: unknown) => t.request({ method: 'PUT', url: LIMITS, payload: payload as object });

    it('starts with the documented defaults', async () => {
      expect(await get()).toEqual({
        per_ip: { limit: 600, window_seconds: 60 },
        per_api_key: { limit: 6000, window_seconds: 60 },
        per_license_key: { limit: 120, window_seconds: 60 },
      });
      expect(rules().rateLimits()).toEqual(DEFAULT_RATE_LIMITS);
    });

    it('takes any subset, records before and after, and applies it to the next request', async () => {
      const rows = await newActivity(t, async () => {
        const response = await put({
          per_ip: { limit: 100 },
          per_license_key: { limit: 30, window_seconds: 10 },
        });
        expect(response.statusCode, response.body).toBe(200);
      });
      const expected = {
        per_ip: { limit: 100, window_seconds: 60 },
        per_api_key: { limit: 6000, window_seconds: 60 },
        per_license_key: { limit: 30, window_seconds: 10 },
      };
      expect(await get()).toEqual(expected);
      expect(rules().rateLimits()).toEqual(expected);
      // What a restart (or another process) loads is the same.
      const other = createSecurityRulesService(t.services.core, t.services.activity);
      await other.load();
      expect(other.rateLimits()).toEqual(expected);

      expect(rows.map((r) => [r.action_type, r.resource_type, r.resource_id, r.result])).toEqual([
        ['RATE_LIMITS_UPDATED', 'settings', 'security.rate_limits', 'success'],
      ]);
      expect(rows[0] && detailsOf(rows[0])).toMatchObject({
        changes: {
          'per_ip.limit': { before: 600, after: 100 },
          'per_license_key.limit': { before: 120, after: 30 },
          'per_license_key.window_seconds': { before: 60, after: 10 },
        },
        before: DEFAULT_RATE_LIMITS,
        after: expected,
      });
    });

    const bad: [string, unknown, string][] = [
      ['a limit of 0', { per_ip: { limit: 0 } }, 'per_ip.limit'],
      ['a negative limit', { per_api_key: { limit: -5 } }, 'per_api_key.limit'],
      ['a fractional limit', { per_ip: { limit: 1.5 } }, 'per_ip.limit'],
      ['a limit as text', { per_ip: { limit: '100' } }, 'per_ip.limit'],
      ['a window of 0', { per_license_key: { window_seconds: 0 } }, 'per_license_key.window_seconds'],
      ['a window over a day', { per_ip: { window_seconds: 86_401 } }, 'per_ip.window_seconds'],
      ['an unknown scope', { per_country: { limit: 5 } }, 'per_country'],
      ['an unknown field in a limit', { per_ip: { burst: 5 } }, 'per_ip.burst'],
      ['a limit that is not an object', { per_ip: 100 }, 'per_ip'],
    ];
    it.each(bad)(
      'refuses %s with 422 naming the field, and changes nothing',
      async (_name, payload, field) => {
        const before = await get();
        const stored = await counts();
        // A valid change beside the bad one is not applied either.
        const response = await put({ per_api_key: { limit: 1 }, ...(payload as object) });
        expect(response.statusCode).toBe(422);
        expect(errorOf(response)).toMatchObject({
          code: 'ERR_VALIDATION',
          details: expect.arrayContaining([expect.objectContaining({ field })]),
        });
        expect(await get()).toEqual(before);
        expect(rules().rateLimits()).toEqual(before);
        expect(await counts()).toEqual(stored);
      },
    );
  });

  describe('automatic bans', () => {
    it('stores a ban as an automatic rule that applies at once, is listed, recorded and counted', async () => {
      const changes: string[] = [];
      const unsubscribe = rules().onChange((change) => changes.push(change.kind));
      const expires = inMinutes(15);
      const { rule_id } = await rules().addBan({
        type: 'ip',
        value: '::ffff:198.51.100.99',
        reason: 'credential stuffing: 20 invalid API keys in 60 s',
        expires_at: expires,
        previous_bans: 0,
      });
      unsubscribe();
      expect(changes).toEqual(['rule']);
      expect(rule_id).toMatch(/^rule_[0-9a-z]{26}$/);
      expect(rules().ruleSet().matchIp('198.51.100.99', now())).toBe(rule_id);

      const automatic = await list('?source=automatic');
      expect(automatic.data).toEqual([
        {
          id: rule_id,
          type: 'ip',
          value: '198.51.100.99',
          reason: 'credential stuffing: 20 invalid API keys in 60 s',
          source: 'automatic',
          created_by: 'security-layer',
          created_at: t.clock.now().toISOString(),
          expires_at: expires,
          active: true,
        },
      ]);
      const entries = await t.services.activity.repository.list();
      const entry = entries.find((row) => row.resource_id === rule_id);
      expect(entry).toMatchObject({
        action_type: 'SECURITY_BAN_CREATED',
        resource_type: 'security_rule',
        actor_type: 'system',
        admin_user: 'security-layer',
        result: 'success',
      });
      expect(entry && detailsOf(entry)).toMatchObject({
        type: 'ip',
        value: '198.51.100.99',
        previous_bans: 0,
      });

      expect(await rules().previousBans('ip', '198.51.100.99')).toBe(1);
      expect(await rules().previousBans('ip', '::ffff:198.51.100.99')).toBe(1);
      expect(await rules().previousBans('ip', '198.51.100.98')).toBe(0);

      // An admin lifts it: it stops at once, and still counts towards escalation.
      expect((await t.request({ method: 'DELETE', url: `${RULES}/${rule_id}` })).statusCode).toBe(204);
      expect(rules().ruleSet().matchIp('198.51.100.99', now())).toBeNull();
      expect(await rules().previousBans('ip', '198.51.100.99')).toBe(1);
      await rules().addBan({
        type: 'ip',
        value: '198.51.100.99',
        reason: 'again',
        expires_at: inMinutes(60),
        previous_bans: 1,
      });
      expect(await rules().previousBans('ip', '198.51.100.99')).toBe(2);
    });

    it('bans fingerprints and API keys, and each ban expires by itself', async () => {
      const { apiKey, secret } = await t.services.apiKeys.create({ name: 'guesser', scope: 'licenses' });
      const fp = await rules().addBan({
        type: 'fingerprint',
        value: 'fp-3f2a9c',
        reason: 'key guessing',
        expires_at: inMinutes(5),
        previous_bans: 0,
      });
      const key = await rules().addBan({
        type: 'api_key',
        value: apiKey.id,
        reason: 'key guessing',
        expires_at: inMinutes(10),
        previous_bans: 0,
      });
      expect(rules().ruleSet().matchFingerprint('fp-3f2a9c', now())).toBe(fp.rule_id);
      expect(rules().ruleSet().matchApiKeyHash(sha256(secret), now())).toBe(key.rule_id);
      t.clock.advance(5 * 60_000);
      expect(rules().ruleSet().matchFingerprint('fp-3f2a9c', now())).toBeNull();
      expect(rules().ruleSet().matchApiKeyHash(sha256(secret), now())).toBe(key.rule_id);
      t.clock.advance(5 * 60_000);
      expect(rules().ruleSet().matchApiKeyHash(sha256(secret), now())).toBeNull();
      expect(await rules().previousBans('fingerprint', 'fp-3f2a9c')).toBe(1);
    });

    it('refuses a ban on something that is not an address', async () => {
      await expect(
        rules().addBan({
          type: 'ip',
          value: '010.0.0.1',
          reason: 'x',
          expires_at: inMinutes(1),
          previous_bans: 0,
        }),
      ).rejects.toThrow(/not a plain IPv4 address/);
    });
  });

  describe('revoked API keys and other processes', () => {
    it('matches a revoked key once the rule set is reloaded', async () => {
      const created = await t.request({
        method: 'POST',
        url: '/api/v1/api-keys',
        payload: { name: 'to revoke', scope: 'licenses' },
      });
      const { id, secret } = created.json<{ id: string; secret: string }>();
      expect(rules().ruleSet().matchApiKeyHash(sha256(secret), now())).toBeNull();
      expect((await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${id}` })).statusCode).toBe(200);
      await rules().reload();
      expect(rules().ruleSet().matchApiKeyHash(sha256(secret), now())).toBe('API_KEY_REVOKED');
    });

    it('gives another instance loading from the store the same answers', async () => {
      await createRule({ type: 'ip', value: '2001:db8:bad::/48' });
      await t.request({ method: 'POST', url: ALLOW, payload: { value: '2001:db8:bad:1::1' } });
      const other = createSecurityRulesService(t.services.core, t.services.activity);
      await other.load();
      for (const ip of ['2001:db8:bad::7', '2001:db8:bad:1::1', '2001:db8:bae::1', '10.9.9.9']) {
        expect(other.ruleSet().matchIp(ip, now()), ip).toBe(rules().ruleSet().matchIp(ip, now()));
        expect(other.ruleSet().isAllowlisted(ip), ip).toBe(rules().ruleSet().isAllowlisted(ip));
      }
      expect(other.ruleSet().isAllowlisted('2001:db8:bad:1::1')).toBe(true);
      expect(other.ruleSet().matchIp('2001:db8:bad::7', now())).not.toBeNull();
    });

    it('coalesces reloads asked for at once, and each sees every change made before it', async () => {
      const reloads = [rules().reload(), rules().reload(), rules().reload()];
      const ban = rules().addBan({
        type: 'ip',
        value: '192.0.2.250',
        reason: 'burst',
        expires_at: inMinutes(1),
        previous_bans: 0,
      });
      await Promise.all(reloads);
      const { rule_id } = await ban;
      expect(rules().ruleSet().matchIp('192.0.2.250', now())).toBe(rule_id);
    });
  });

  describe('permissions', () => {
    it('lets the security role read and write, support and viewer neither', async () => {
      const security = await signIn(t, 'security');
      const support = await signIn(t, 'support');
      const viewer = await signIn(t, 'viewer');
      expect((await security.request({ method: 'GET', url: RULES })).statusCode).toBe(200);
      const made = await security.request({
        method: 'POST',
        url: RULES,
        payload: { type: 'country', value: 'IR' },
      });
      expect(made.statusCode, made.body).toBe(201);
      expect(made.json()).toMatchObject({ created_by: security.admin.email });
      expect(
        (await security.request({ method: 'PUT', url: LIMITS, payload: { per_ip: { limit: 700 } } }))
          .statusCode,
      ).toBe(200);

      const before = await counts();
      for (const session of [support, viewer]) {
        for (const [method, url, payload] of [
          ['GET', RULES],
          ['GET', ALLOW],
          ['GET', LIMITS],
          ['POST', RULES, { type: 'country', value: 'CU' }],
          ['POST', ALLOW, { value: '192.0.2.1' }],
          ['PUT', LIMITS, { per_ip: { limit: 1 } }],
          ['DELETE', `${RULES}/${made.json<Rule>().id}`],
        ] as const) {
          const response = await session.request({ method, url, ...(payload && { payload }) });
          expect(response.statusCode, `${session.admin.role} ${method} ${url}`).toBe(403);
          expect(errorOf(response).code).toBe('ERR_INSUFFICIENT_SCOPE');
        }
      }
      expect(await counts()).toEqual(before);
      expect(rules().rateLimits().per_ip.limit).toBe(700);
    });
  });
});
