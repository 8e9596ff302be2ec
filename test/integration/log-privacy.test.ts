import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { login, signIn } from '../helpers/access.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { expectChainsIntact } from '../helpers/integrity.js';
import { licenseFixture, readLog, type LicenseFixture } from '../helpers/request-logs.js';

const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.6099.71 Safari/537.36';
const REDUCED = 'Mozilla/5 AppleWebKit/537 Chrome/120 Safari/537';

describe.each(DIALECTS)('log privacy on %s', (dialect) => {
  let t: TestContext;
  let f: LicenseFixture;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    f = await licenseFixture(t);
  });
  afterEach(() => t.close());

  const activity = async (query = '') =>
    (await t.request({ method: 'GET', url: `/api/v1/logs/activity?limit=200${query}` })).json()
      .data as Record<string, unknown>[];

  /** One entry in each of the four logs, from 203.0.113.77 with a full browser user agent. */
  async function recordEverywhere(licenseKey: string) {
    const from = { remoteAddress: '203.0.113.77', headers: { 'user-agent': BROWSER } };
    const call = (payload: object, headers: Record<string, string> = {}) =>
      t.app.inject({
        method: 'POST',
        url: '/api/v1/licenses/validate',
        payload,
        remoteAddress: from.remoteAddress,
        headers: { ...from.headers, authorization: `Bearer ${f.apiKey}`, ...headers },
      });
    expect((await call({ license_key: licenseKey })).statusCode).toBe(200);
    expect((await call({ license_key: 'NOPE-NOPE-NOPE-NOPE' })).statusCode).toBeGreaterThanOrEqual(400);
    expect(
      (await call({ license_key: licenseKey }, { 'user-agent': 'sqlmap/1.7.2#stable' })).statusCode,
    ).toBe(403);
    const session = await signIn(t, 'admin', '203.0.113.77');
    const created = await session.request({
      method: 'POST',
      url: '/api/v1/products',
      payload: { name: 'Privacy test product' },
      headers: { 'user-agent': BROWSER },
      remoteAddress: '203.0.113.77',
    });
    expect(created.statusCode, created.body).toBe(201);
  }

  it('truncates addresses and reduces user agents past each log’s period, and the chains still verify', async () => {
    t.clock.set('2026-03-01T10:00:00.000Z');
    await recordEverywhere(f.key);
    t.clock.set('2026-03-03T10:00:00.000Z');
    await recordEverywhere(f.key);
    await t.services.requestLogs.flush();
    const put = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { anonymize_after_days: { activity: 1, api_calls: 1, failed_api_calls: 1, blocked: 1 } },
    });
    expect(put.statusCode, put.body).toBe(200);

    const anonymized = await t.services.logAnonymizer.run();
    expect(anonymized.api_calls).toBeGreaterThanOrEqual(1);
    expect(anonymized.failed_api_calls).toBeGreaterThanOrEqual(1);
    expect(anonymized.blocked).toBe(1);
    expect(anonymized.activity).toBeGreaterThanOrEqual(1);

    for (const log of ['api-calls', 'failed-api-calls', 'blocked'] as const) {
      // The validation calls (the portal's own calls carry the test client's user agent).
      const entries = (await readLog(t, log)).filter(
        (e) =>
          String(e.ip).startsWith('203.0.113.') &&
          (log === 'blocked' || e.endpoint === '/api/v1/licenses/validate'),
      );
      const old = entries.filter((e) => String(e.timestamp).startsWith('2026-03-01'));
      const recent = entries.filter((e) => String(e.timestamp).startsWith('2026-03-03'));
      expect(old.length, log).toBeGreaterThan(0);
      expect(recent.length, log).toBeGreaterThan(0);
      for (const entry of old) expect(entry.ip, log).toBe('203.0.113.0/24');
      for (const entry of recent) expect(entry.ip, log).toBe('203.0.113.77');
      if (log !== 'blocked') {
        for (const entry of old) expect(entry.user_agent, log).toBe(REDUCED);
        for (const entry of recent) expect(entry.user_agent, log).toBe(BROWSER);
      }
    }
    const products = (await activity()).filter(
      (e) => e.action_type === 'PRODUCT_CREATED' && String(e.resource).includes('Privacy test product'),
    );
    expect(products.map((e) => [String(e.timestamp).slice(0, 10), e.ip, e.user_agent])).toEqual([
      ['2026-03-03', '203.0.113.77', BROWSER],
      ['2026-03-01', '203.0.113.0/24', REDUCED],
    ]);
    // A /24 search still finds the truncated entries; the single address no longer does.
    expect(await activity('&action_type=PRODUCT_CREATED&ip=203.0.113.0/24')).toHaveLength(2);
    expect(await activity('&action_type=PRODUCT_CREATED&ip=203.0.113.77')).toHaveLength(1);

    // The salts that could tie a commitment back to an address are gone for the anonymized days only.
    const salts = await t.services.core.db.selectFrom('log_integrity_salts').select(['log', 'day']).execute();
    expect(salts.filter((s) => s.day === '2026-03-01')).toEqual([]);
    expect(salts.some((s) => s.day === '2026-03-03')).toBe(true);

    await expectChainsIntact(t);
    // A second run finds nothing left to do.
    expect(await t.services.logAnonymizer.run()).toEqual({
      activity: 0,
      api_calls: 0,
      failed_api_calls: 0,
      blocked: 0,
    });
  });

  it('leaves every log alone while no period is set', async () => {
    t.clock.set('2026-03-01T10:00:00.000Z');
    await recordEverywhere(f.key);
    t.clock.set('2027-03-01T10:00:00.000Z');
    expect(await t.services.logAnonymizer.run()).toEqual({});
    expect((await readLog(t, 'api-calls')).some((e) => e.ip === '203.0.113.77')).toBe(true);
  });

  it('erases a deleted admin from the activity log on request, keeping the chain verifiable', async () => {
    const alice = await signIn(t, 'admin', '198.51.100.9');
    const email = alice.admin.email;
    const made = await alice.request({
      method: 'POST',
      url: '/api/v1/products',
      payload: { name: 'By Alice' },
    });
    expect(made.statusCode).toBe(201);
    expect((await login(t, email, 'wrong password', '198.51.100.9')).statusCode).toBe(401);

    const early = await t.request({ method: 'POST', url: `/api/v1/admins/${alice.admin.id}/pseudonymize` });
    expect(early.statusCode).toBe(409);
    expect(early.json().error.code).toBe('ERR_CONFLICT');
    expect(JSON.stringify(await activity())).toContain(email);

    expect((await t.request({ method: 'DELETE', url: `/api/v1/admins/${alice.admin.id}` })).statusCode).toBe(
      200,
    );
    const erased = await t.request({ method: 'POST', url: `/api/v1/admins/${alice.admin.id}/pseudonymize` });
    expect(erased.statusCode, erased.body).toBe(200);
    const result = erased.json();
    expect(result.pseudonym).toMatch(/^erased-admin-[0-9a-f]{12}$/);
    // Created, signed in, created a product, failed a sign-in, deleted.
    expect(result.entries).toBeGreaterThanOrEqual(5);

    const entries = await activity();
    expect(JSON.stringify(entries)).not.toContain(email);
    expect(JSON.stringify(entries)).not.toContain('198.51.100.9');
    const byAlice = entries.filter((e) => e.actor_id === alice.admin.id);
    expect(byAlice.length).toBeGreaterThan(0);
    for (const entry of byAlice) expect(entry.admin_user).toBe(result.pseudonym);
    expect(entries.find((e) => e.action_type === 'ADMIN_ACTIVITY_PSEUDONYMIZED')).toMatchObject({
      resource_id: alice.admin.id,
      result: 'success',
    });
    await expectChainsIntact(t);
  });

  it('answers 404 for an admin with no activity, and changes nothing', async () => {
    const before = await activity('&action_type=PRODUCT_CREATED');
    const response = await t.request({ method: 'POST', url: '/api/v1/admins/adm_unknown/pseudonymize' });
    expect(response.statusCode).toBe(404);
    expect(await activity('&action_type=PRODUCT_CREATED')).toEqual(before);
    await expectChainsIntact(t);
  });
});
