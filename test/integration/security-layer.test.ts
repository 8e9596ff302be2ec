import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { randomBase62 } from '../../src/shared/random.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { licenseFixture, readLog, type LicenseFixture, type LogEntry } from '../helpers/request-logs.js';

const GENERIC_403 = { error: { code: 'ERR_FORBIDDEN', message: 'The request was refused.' } };
const FINGERPRINT = /^hash_[0-9a-f]{16}$/;

function expectRefused(response: LightMyRequestResponse): void {
  expect(response.statusCode, response.body).toBe(403);
  // The same body whatever rule fired: nothing tells the client which one.
  expect(response.json()).toStrictEqual(GENERIC_403);
}

const wrongKey = () => `km_live_${randomBase62(32)}`;

describe.each(DIALECTS)('the security layer on %s', (dialect) => {
  let t: TestContext;
  let fixture: LicenseFixture;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    fixture = await licenseFixture(t);
  });
  afterAll(() => t.close());

  const validate = (ip: string, extra: { body?: object; headers?: Record<string, string> } = {}) =>
    t.request({
      method: 'POST',
      url: '/api/v1/licenses/validate',
      key: fixture.apiKey,
      remoteAddress: ip,
      payload: extra.body ?? { license_key: fixture.key },
      headers: extra.headers,
    });

  async function createRule(rule: object): Promise<string> {
    const response = await t.request({ method: 'POST', url: '/api/v1/security/rules', payload: rule });
    expect(response.statusCode, response.body).toBe(201);
    return response.json().id;
  }

  async function blockedEntry(ip: string): Promise<LogEntry> {
    const entries = (await readLog(t, 'blocked')).filter((entry) => entry.ip === ip);
    expect(entries, `blocked entries from ${ip}`).toHaveLength(1);
    return entries[0]!;
  }

  it('refuses a blocklisted address or range, IPv4-mapped forms included, and logs the rule', async () => {
    const ruleId = await createRule({ type: 'ip', value: '203.0.113.0/24', reason: 'abuse' });
    expect((await validate('203.0.112.255')).statusCode).toBe(200);
    expectRefused(await validate('203.0.113.7'));
    expectRefused(await validate('::ffff:203.0.113.8'));
    for (const ip of ['203.0.113.7', '203.0.113.8']) {
      expect(await blockedEntry(ip)).toMatchObject({
        block_reason: 'IP_BLOCKLISTED',
        rule_id: ruleId,
        method: 'POST',
        path: '/api/v1/licenses/validate',
        matched_location: 'ip',
        fingerprint: expect.stringMatching(FINGERPRINT),
        threat_score: expect.any(Number),
      });
    }
    const calls = await readLog(t, 'api-calls');
    expect(calls.filter((call) => call.ip === '203.0.113.7' || call.ip === '203.0.113.8')).toEqual([]);
  });

  it('refuses a country by rule, with the country in the entry', async () => {
    const ruleId = await createRule({ type: 'country', value: 'US' });
    expectRefused(await validate('8.8.8.8'));
    expect(await blockedEntry('8.8.8.8')).toMatchObject({
      block_reason: 'GEO_BLOCKED',
      rule_id: ruleId,
      country_code: 'US',
    });
  });

  it('refuses scanners by their user agent, and user agents named by a rule', async () => {
    expectRefused(
      await validate('198.51.100.1', {
        headers: { 'user-agent': 'sqlmap/1.7.2#stable (https://sqlmap.org)' },
      }),
    );
    const entry = await blockedEntry('198.51.100.1');
    expect(entry).toMatchObject({
      block_reason: 'USER_AGENT_BLOCKED',
      rule_id: expect.stringMatching(/^SCANNER_UA_/),
      matched_location: 'headers.user-agent',
    });
    expect(entry.threat_score).toBeGreaterThanOrEqual(70);

    const ruleId = await createRule({ type: 'user_agent', value: 'EvilCrawler' });
    expectRefused(
      await validate('198.51.100.2', { headers: { 'user-agent': 'Mozilla/5.0 (evilcrawler/2.1)' } }),
    );
    expect(await blockedEntry('198.51.100.2')).toMatchObject({
      block_reason: 'USER_AGENT_BLOCKED',
      rule_id: ruleId,
    });
    expect(
      (
        await validate('198.51.100.3', {
          headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0' },
        })
      ).statusCode,
    ).toBe(200);
  });

  it('refuses a revoked API key at once, before authentication', async () => {
    const { apiKey, secret } = await t.services.apiKeys.create({ name: 'soon revoked', scope: 'licenses' });
    const call = () =>
      t.request({
        method: 'POST',
        url: '/api/v1/licenses/validate',
        key: secret,
        remoteAddress: '198.51.100.4',
        payload: { license_key: fixture.key },
      });
    expect((await call()).statusCode).toBe(200);
    const revoked = await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${apiKey.id}` });
    expect(revoked.statusCode).toBe(200);
    expectRefused(await call());
    const entry = await blockedEntry('198.51.100.4');
    expect(entry).toMatchObject({
      block_reason: 'API_KEY_REVOKED',
      matched_location: 'headers.authorization',
      api_key: `${secret.slice(0, 11)}...${secret.slice(-3)}`,
    });
    expect(JSON.stringify(entry)).not.toContain(secret);
  });

  it('finds SQL injection and other attack patterns wherever they are, and says where', async () => {
    const sqli = await t.request({
      method: 'GET',
      url: `/api/v1/licenses?q=${encodeURIComponent("1' OR '1'='1' --")}`,
      remoteAddress: '198.51.100.5',
    });
    expectRefused(sqli);
    expect(await blockedEntry('198.51.100.5')).toMatchObject({
      block_reason: 'SQL_INJECTION_ATTEMPT',
      matched_location: 'query.q',
    });

    expectRefused(
      await validate('198.51.100.6', {
        body: { license_key: fixture.key, fingerprint: '<script>alert(document.cookie)</script>' },
      }),
    );
    expect(await blockedEntry('198.51.100.6')).toMatchObject({
      block_reason: 'ABUSE_PATTERN_DETECTED',
      matched_location: 'body.fingerprint',
    });

    const traversal = await t.request({
      method: 'GET',
      url: '/api/v1/licenses/..%252f..%252f..%252fetc%252fpasswd',
      remoteAddress: '198.51.100.7',
    });
    expectRefused(traversal);
    expect((await blockedEntry('198.51.100.7')).block_reason).toBe('ABUSE_PATTERN_DETECTED');

    // Ordinary text that merely looks like SQL passes.
    const benign = await t.request({
      method: 'POST',
      url: '/api/v1/customers',
      remoteAddress: '198.51.100.8',
      payload: { name: "O'Brien & Sons — please select the union plan" },
    });
    expect(benign.statusCode, benign.body).toBe(201);
  });

  it('lets the log searches look for attack strings, and still judges their path and headers', async () => {
    const term = encodeURIComponent("1' OR '1'='1' --");
    for (const log of ['api-calls', 'blocked', 'activity']) {
      const search = await t.request({
        method: 'GET',
        url: `/api/v1/logs/${log}?q=${term}`,
        remoteAddress: '198.51.100.50',
      });
      expect(search.statusCode, search.body).toBe(200);
    }
    const history = await t.request({
      method: 'GET',
      url: `/api/v1/licenses/${fixture.licenseId}/api-calls?q=${encodeURIComponent('<script>alert(1)</script>')}`,
      remoteAddress: '198.51.100.50',
    });
    expect(history.statusCode, history.body).toBe(200);
    // Without credentials the search is refused as unauthenticated, and recorded among failed calls.
    const anonymous = await t.request({
      method: 'GET',
      url: `/api/v1/logs/activity?q=${term}`,
      key: null,
      remoteAddress: '198.51.100.51',
    });
    expect(anonymous.statusCode).toBe(401);
    // The same terms elsewhere, or in a search's path, are judged as attacks.
    expectRefused(
      await t.request({ method: 'GET', url: `/api/v1/customers?q=${term}`, remoteAddress: '198.51.100.52' }),
    );
    expectRefused(
      await t.request({
        method: 'GET',
        url: `/api/v1/logs/blocked/..%2f..%2fetc%2fpasswd`,
        remoteAddress: '198.51.100.53',
      }),
    );
  });

  it('limits requests per address with the headers of the contract, then refills', async () => {
    const limits = await t.request({
      method: 'PUT',
      url: '/api/v1/security/rate-limits',
      payload: { per_ip: { limit: 3, window_seconds: 60 } },
    });
    expect(limits.statusCode, limits.body).toBe(200);
    try {
      const answers = [];
      for (let i = 0; i < 4; i++) answers.push(await validate('198.51.100.9'));
      expect(answers.map((a) => a.statusCode)).toEqual([200, 200, 200, 429]);
      expect(answers[0]!.headers['x-ratelimit-limit']).toBe('3');
      expect(answers[2]!.headers['x-ratelimit-remaining']).toBe('0');
      const limited = answers[3]!;
      expect(limited.json()).toStrictEqual({
        error: { code: 'ERR_RATE_LIMITED', message: 'Too many requests; try again later.' },
      });
      expect(Number(limited.headers['retry-after'])).toBe(20);
      expect(limited.headers['x-ratelimit-remaining']).toBe('0');
      expect(await blockedEntry('198.51.100.9')).toMatchObject({
        block_reason: 'RATE_LIMIT_EXCEEDED',
        rule_id: 'RATE_LIMIT_PER_IP',
      });
      // Another address has its own quota; the limited one gets a request back after a third of the window.
      expect((await validate('198.51.100.10')).statusCode).toBe(200);
      t.clock.advance(20_000);
      expect((await validate('198.51.100.9')).statusCode).toBe(200);
    } finally {
      await t.request({
        method: 'PUT',
        url: '/api/v1/security/rate-limits',
        payload: { per_ip: { limit: 600, window_seconds: 60 } },
      });
    }
  });

  it('admits exactly 20 of 40 parallel requests against a limit of 20', async () => {
    await t.request({
      method: 'PUT',
      url: '/api/v1/security/rate-limits',
      payload: { per_license_key: { limit: 20, window_seconds: 60 } },
    });
    try {
      const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => validate(`192.0.2.${i + 1}`)));
      const statuses = answers.map((a) => a.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(20);
      expect(statuses.filter((s) => s === 429)).toHaveLength(20);
      const blocked = (await readLog(t, 'blocked')).filter((e) => e.rule_id === 'RATE_LIMIT_PER_LICENSE_KEY');
      expect(blocked).toHaveLength(20);
      expect(blocked.every((e) => e.matched_location === 'body.license_key')).toBe(true);
    } finally {
      await t.request({
        method: 'PUT',
        url: '/api/v1/security/rate-limits',
        payload: { per_license_key: { limit: 120, window_seconds: 60 } },
      });
      t.clock.advance(60_000);
    }
  });

  async function automaticBans(
    value: string,
  ): Promise<{ id: string; expires_at: string; created_at: string }[]> {
    const list = await t.request({ method: 'GET', url: '/api/v1/security/rules?source=automatic&limit=100' });
    return list.json().data.filter((rule: { value: string }) => rule.value === value);
  }

  it('bans an address that tries many wrong API keys, lets an admin lift it, and escalates', async () => {
    const ip = '198.51.100.20';
    const tryWrongKeys = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const response = await t.request({
          method: 'GET',
          url: '/api/v1/products',
          key: wrongKey(),
          remoteAddress: ip,
        });
        expect(response.statusCode).toBe(401);
      }
    };
    await tryWrongKeys(8);
    // One wrong key repeated is a misconfigured client, not credential stuffing: it counts once (9 keys).
    const same = wrongKey();
    for (let i = 0; i < 5; i++)
      await t.request({ method: 'GET', url: '/api/v1/products', key: same, remoteAddress: ip });
    await t.services.requestLogs.flush();
    expect(await automaticBans(ip)).toEqual([]);

    await tryWrongKeys(1);
    const owner = () => t.request({ method: 'GET', url: '/api/v1/products', remoteAddress: ip });
    // The ban is stored and applied just after the tenth answer, not before it.
    await vi.waitFor(async () => expectRefused(await owner()), { timeout: 5000 });
    const [ban] = await automaticBans(ip);
    expect(new Date(ban!.expires_at).getTime() - t.clock.now().getTime()).toBe(30 * 60_000);
    const entry = (await readLog(t, 'blocked')).find((e) => e.ip === ip && e.rule_id === ban!.id);
    expect(entry).toMatchObject({ block_reason: 'IP_BLOCKLISTED' });

    const lifted = await t.request({ method: 'DELETE', url: `/api/v1/security/rules/${ban!.id}` });
    expect(lifted.statusCode).toBe(204);
    expect((await owner()).statusCode).toBe(200);

    // A second offence series: banned again, for twice as long.
    await tryWrongKeys(10);
    await vi.waitFor(async () => expectRefused(await owner()), { timeout: 5000 });
    const [second] = await automaticBans(ip);
    expect(new Date(second!.expires_at).getTime() - t.clock.now().getTime()).toBe(60 * 60_000);
    t.clock.advance(60 * 60_000);
    expect((await owner()).statusCode).toBe(200);
  });

  it('bans one client guessing licence keys, never the same wrong key repeated or an allowlisted address', async () => {
    const guess = (ip: string, key: string, agent: string) =>
      validate(ip, { body: { license_key: key }, headers: { 'user-agent': agent } });
    for (let i = 0; i < 30; i++)
      expect((await guess('198.51.100.30', 'AAAA-BBBB-CCCC-DDDD', 'sdk/1.0')).statusCode).toBe(404);
    for (let i = 0; i < 10; i++)
      await guess('198.51.100.31', `GUES-SKEY-${String(i).padStart(4, '0')}-ZZZZ`, 'guesser/1.0');
    const allow = await t.request({
      method: 'POST',
      url: '/api/v1/security/allowlist',
      payload: { value: '198.51.100.32' },
    });
    expect(allow.statusCode, allow.body).toBe(201);
    for (let i = 0; i < 40; i++)
      await guess('198.51.100.32', `OFFI-CEKE-${String(i).padStart(4, '0')}-ZZZZ`, 'office/1.0');

    await vi.waitFor(async () => expectRefused(await guess('198.51.100.31', fixture.key, 'guesser/1.0')), {
      timeout: 5000,
    });
    const bans = await t.request({
      method: 'GET',
      url: '/api/v1/security/rules?source=automatic&type=fingerprint',
    });
    expect(bans.json().data).toHaveLength(1);
    expect((await guess('198.51.100.30', fixture.key, 'sdk/1.0')).statusCode).toBe(200);
    expect((await guess('198.51.100.32', fixture.key, 'office/1.0')).statusCode).toBe(200);
    expect(await automaticBans('198.51.100.32')).toEqual([]);
  });

  it('records a SECURITY_BAN_CREATED activity entry for each ban', async () => {
    const activity = await t.services.core.db
      .selectFrom('activity_log')
      .select(['action_type', 'actor_type', 'result'])
      .where('action_type', '=', 'SECURITY_BAN_CREATED')
      .execute();
    expect(activity.length).toBeGreaterThanOrEqual(3);
    expect(activity.every((a) => a.actor_type === 'system' && a.result === 'success')).toBe(true);
  });
});
