import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_LOGGING_SETTINGS } from '../../src/logging/logging-settings.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { licenseFixture, readLog, type LicenseFixture, type LogEntry } from '../helpers/request-logs.js';
import { liftRateLimits } from '../helpers/security.js';

describe.each(DIALECTS)('API-call and failed-call logs on %s', (dialect) => {
  let t: TestContext;
  let f: LicenseFixture;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    f = await licenseFixture(t);
  });
  afterEach(() => t.close());

  const validate = (payload: Record<string, unknown>, headers: Record<string, string> = {}) =>
    t.request({ method: 'POST', url: '/api/v1/licenses/validate', key: f.apiKey, payload, headers });

  it('records a successful call with every field of the table', async () => {
    t.clock.set('2026-03-04T05:06:07.089Z');
    const response = await validate({ license_key: f.key }, { 'user-agent': 'KeyManager-SDK/2.1.0' });
    expect(response.statusCode).toBe(200);
    const entry = (await readLog(t, 'api-calls')).find((e) => e.endpoint === '/api/v1/licenses/validate');
    expect(entry).toEqual({
      id: expect.stringMatching(/^log_/),
      timestamp: '2026-03-04T05:06:07.089Z',
      endpoint: '/api/v1/licenses/validate',
      path: '/api/v1/licenses/validate',
      method: 'POST',
      status: 200,
      response_time_ms: expect.any(Number),
      ip: '127.0.0.1',
      api_key: `${f.apiKey.slice(0, 11)}...${f.apiKey.slice(-3)}`,
      api_key_id: f.apiKeyId,
      request_size: Buffer.byteLength(JSON.stringify({ license_key: f.key })),
      response_size: Buffer.byteLength(response.body),
      user_agent: 'KeyManager-SDK/2.1.0',
      license_key: `XXXX-XXXX-XXXX-${f.key.slice(-4)}`,
      license_id: f.licenseId,
      customer_id: f.customerId,
      product_id: f.productId,
      channel: 'api',
      direction: 'incoming',
    });
    expect(entry!.response_time_ms).toBeGreaterThan(0);
    expect(await readLog(t, 'failed-api-calls')).toEqual([]);
  });

  it('records a failure with its error, validation errors, retry count and sanitized body', async () => {
    const body = { license_key: f.key, fingerprint: 42, password: 'hunter2', nested: { token: 'tok' } };
    const response = await validate(body, { 'x-retry-count': '3' });
    expect(response.statusCode).toBe(422);
    const [entry] = await readLog(t, 'failed-api-calls');
    expect(entry).toMatchObject({
      status: 422,
      error_code: 'ERR_VALIDATION',
      error_message: response.json().error.message,
      stack_trace: null,
      retry_count: 3,
      request_body_truncated: false,
      license_key: `XXXX-XXXX-XXXX-${f.key.slice(-4)}`,
    });
    expect(entry!.validation_errors).toEqual(response.json().error.details);
    expect(JSON.parse(entry!.request_body)).toEqual({
      license_key: `XXXX-XXXX-XXXX-${f.key.slice(-4)}`,
      fingerprint: 42,
      password: '[REDACTED]',
      nested: { token: '[REDACTED]' },
    });
    // The failed-call log is the API-call log's rows with status >= 400.
    expect((await readLog(t, 'api-calls')).map((e) => e.id)).toContain(entry!.id);
  });

  it('records a business failure and the presented key of a refused caller', async () => {
    await t.request({
      method: 'POST',
      url: `/api/v1/licenses/${f.licenseId}/suspend`,
      payload: { reason: 'x' },
    });
    expect((await validate({ license_key: f.key })).statusCode).toBe(403);
    const wrongKey = 'km_live_' + 'A'.repeat(32);
    await t.request({ method: 'POST', url: '/api/v1/licenses/validate', key: wrongKey, payload: {} });
    const [refused, suspended] = await readLog(t, 'failed-api-calls');
    expect(suspended).toMatchObject({
      error_code: 'ERR_LICENSE_SUSPENDED',
      status: 403,
      api_key_id: f.apiKeyId,
    });
    expect(refused).toMatchObject({
      error_code: 'ERR_INVALID_API_KEY',
      status: 401,
      api_key: 'km_live_AAA...AAA',
    });
  });

  it('caps a large failing body at 8 KiB with the truncation flag', async () => {
    await validate({ license_key: f.key, fingerprint: 'x'.repeat(20_000), extra: 1 });
    const [entry] = await readLog(t, 'failed-api-calls');
    expect(entry!.request_body_truncated).toBe(true);
    expect(Buffer.byteLength(entry!.request_body)).toBeLessThanOrEqual(8192);
  });

  it('keeps a 5xx stack trace in the log and out of the response', async () => {
    const repository = t.services.licensing.licenseApi as unknown as Record<string, unknown>;
    const original = repository.validate;
    repository.validate = async () => {
      throw new Error('boom in validate');
    };
    const response = await validate({ license_key: f.key });
    repository.validate = original;
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('boom');
    const [entry] = await readLog(t, 'failed-api-calls');
    expect(entry).toMatchObject({ status: 500, error_code: 'ERR_INTERNAL' });
    expect(entry!.stack_trace).toContain('boom in validate');
  });

  it('tags portal traffic so it is never counted as a customer API call', async () => {
    await t.services.admins.create(
      { email: 'p@example.test', password: 'correct horse battery', role: 'owner' },
      null,
    );
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'p@example.test', password: 'correct horse battery' },
    });
    const cookie = login.cookies.find((c) => c.name === 'km_session')!;
    await t.app.inject({ method: 'GET', url: '/api/v1/products', cookies: { km_session: cookie.value } });
    const entries = await readLog(t, 'api-calls');
    const portal = entries.find((e) => e.endpoint === '/api/v1/products' && e.method === 'GET');
    expect(portal).toMatchObject({ channel: 'portal', api_key: null });
  });

  it('honours each toggle: an off log writes nothing and leaves the others alone', async () => {
    const set = (patch: Partial<typeof DEFAULT_LOGGING_SETTINGS>) =>
      t.services.loggingSettings.replace({ ...DEFAULT_LOGGING_SETTINGS, ...patch });
    const malformed = () =>
      t.request({
        method: 'POST',
        url: '/api/v1/licenses/validate',
        key: f.apiKey,
        payload: '{"license_key":',
        headers: { 'content-type': 'application/json' },
      });
    const traffic = async () => {
      await validate({ license_key: f.key });
      await validate({});
      await malformed();
    };
    const isValidate = (e: LogEntry) => e.endpoint === '/api/v1/licenses/validate';
    const counts = async () => ({
      ok: (await readLog(t, 'api-calls')).filter((e) => isValidate(e) && e.status < 400).length,
      failed: (await readLog(t, 'failed-api-calls')).filter(isValidate).length,
      blocked: (await readLog(t, 'blocked')).length,
    });
    set({ log_api_calls: false });
    await traffic();
    expect(await counts()).toEqual({ ok: 0, failed: 1, blocked: 1 });
    set({ log_failed_api_calls: false });
    await traffic();
    expect(await counts()).toEqual({ ok: 1, failed: 1, blocked: 2 });
    set({ log_blocklisted_api_calls: false });
    await traffic();
    expect(await counts()).toEqual({ ok: 2, failed: 2, blocked: 2 });
    set({ excluded_endpoints: ['/api/v1/licenses/validate'] });
    await traffic();
    expect(await counts()).toEqual({ ok: 2, failed: 2, blocked: 3 });
  });

  it('samples successful calls at the configured rate and never failures', async () => {
    t.services.loggingSettings.replace({ ...DEFAULT_LOGGING_SETTINGS, api_call_sample_rate: 0.25 });
    await liftRateLimits(t.services);
    const n = 400;
    for (let i = 0; i < n; i++) await validate({ license_key: f.key });
    for (let i = 0; i < 20; i++) await validate({});
    const ok = (await readLog(t, 'api-calls')).filter(
      (e) => e.status < 400 && e.endpoint === '/api/v1/licenses/validate',
    ).length;
    // Binomial(400, 0.25): mean 100, sd ~8.7; 5 sd either side.
    expect(ok).toBeGreaterThan(100 - 44);
    expect(ok).toBeLessThan(100 + 44);
    expect(await readLog(t, 'failed-api-calls')).toHaveLength(20);
  });

  it('filters by time and pages newest first', async () => {
    t.clock.set('2026-01-01T00:00:00.000Z');
    await validate({ license_key: f.key });
    t.clock.set('2026-01-02T00:00:00.000Z');
    await validate({ license_key: f.key });
    await validate({ license_key: f.key });
    await t.services.requestLogs.flush();
    const page = (
      await t.request({
        method: 'GET',
        url: '/api/v1/logs/api-calls?from=2026-01-01T12:00:00Z&to=2026-01-03T00:00:00Z&limit=1',
      })
    ).json();
    expect(page.data[0].timestamp).toBe('2026-01-02T00:00:00.000Z');
    const next = (
      await t.request({
        method: 'GET',
        url: `/api/v1/logs/api-calls?from=2026-01-01T12:00:00Z&to=2026-01-03T00:00:00Z&limit=1&cursor=${page.next_cursor}`,
      })
    ).json();
    expect(next.data).toHaveLength(1);
    expect(next.next_cursor).toBeNull();
    const early = (
      await t.request({ method: 'GET', url: '/api/v1/logs/api-calls?to=2026-01-01T12:00:00Z' })
    ).json();
    expect(early.data.map((e: { timestamp: string }) => e.timestamp)).toEqual(['2026-01-01T00:00:00.000Z']);
  });

  it('finds a licence key by its keyed hash, never storing the key', async () => {
    await validate({ license_key: f.key });
    await t.services.requestLogs.flush();
    const hash = t.services.requestLogs.hashLicenseKey(f.key);
    const rows = await t.services.core.db
      .selectFrom('api_call_log')
      .select(['id', 'license_key'])
      .where('license_key_hash', '=', hash)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.license_key).not.toContain(f.key.slice(0, 4));
  });
});
