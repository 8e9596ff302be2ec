import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJson } from '../../src/db/json.js';
import { createRollupJob } from '../../src/logging/analytics/rollup.job.js';
import { createRequestLogRepository } from '../../src/logging/request-log.repository.js';
import { seedRequestLogs, type SeedCall } from '../helpers/analytics-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

const VALIDATE = '/api/v1/licenses/validate';
const ACTIVATE = '/api/v1/licenses/activate';
const KEY_1 = 'AAAA-BBBB-CCCC-1111';
const KEY_2 = 'AAAA-BBBB-CCCC-2222';

/** A day of known traffic around UTC hour and day boundaries (2026-03-02 is the second day). */
function knownCalls(): SeedCall[] {
  const calls: SeedCall[] = [
    { at: '2026-03-01T23:59:59.999Z', ip: '192.0.2.1', license: KEY_1 },
    { at: '2026-03-02T00:00:00.000Z', ip: '192.0.2.1', license: KEY_1 },
    {
      at: '2026-03-02T00:59:59.999Z',
      endpoint: ACTIVATE,
      status: 401,
      error_code: 'ERR_INVALID_API_KEY',
      ip: '192.0.2.2',
    },
    {
      at: '2026-03-02T01:00:00.000Z',
      status: 403,
      error_code: 'ERR_LICENSE_SUSPENDED',
      ip: '192.0.2.2',
      license: KEY_2,
    },
    { at: '2026-03-02T01:30:00.000Z', ip: '192.0.2.3', license: KEY_1, user_agent: 'curl/8.0' },
    {
      at: '2026-03-02T02:00:00.000Z',
      endpoint: ACTIVATE,
      status: 500,
      error_code: 'ERR_INTERNAL',
      ip: '192.0.2.1',
    },
  ];
  // 100 calls at 1..100 ms: the percentiles are known.
  for (let i = 1; i <= 100; i++) {
    calls.push({
      at: `2026-03-02T03:${String(Math.floor(i / 2)).padStart(2, '0')}:00.${String(i).padStart(3, '0')}Z`,
      ms: i,
      ip: '192.0.2.4',
    });
  }
  calls.push({
    at: '2026-03-02T04:10:00.000Z',
    status: 401,
    error_code: 'ERR_API_KEY_EXPIRED',
    ip: '192.0.2.5',
  });
  return calls;
}
const BLOCKED = [
  { at: '2026-03-02T00:10:00.000Z', reason: 'RATE_LIMIT_EXCEEDED', ip: '203.0.113.1' },
  { at: '2026-03-02T00:20:00.000Z', reason: 'RATE_LIMIT_EXCEEDED', ip: '203.0.113.2' },
  { at: '2026-03-02T05:00:00.000Z', reason: 'IP_BLOCKLISTED', ip: '203.0.113.1' },
];
const FROM = '2026-03-01T23:00:00.000Z';
const DAY_FROM = '2026-03-02T00:00:00.000Z';
const DAY_TO = '2026-03-03T00:00:00.000Z';
const TO = '2026-03-02T06:00:00.000Z';

describe.each(DIALECTS)('log analytics on %s', (dialect) => {
  let t: TestContext;
  const get = async (url: string, key?: string) =>
    t.request({ method: 'GET', url: `/api/v1/logs/${url}`, key });
  const json = async (url: string) => {
    const response = await get(url);
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  /** Every answer of the API for the known data, as a user would compare them. */
  async function answers() {
    return {
      hourly: await json(`api-calls/analytics/timeseries?bucket=hour&from=${FROM}&to=${TO}`),
      daily: await json(
        `api-calls/analytics/timeseries?bucket=day&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z`,
      ),
      errors: await json(`api-calls/analytics/top?by=error_code&from=${FROM}&to=${TO}`),
      ips: await json(`api-calls/analytics/top?by=ip&from=${FROM}&to=${TO}&limit=2`),
      keys: await json(`api-calls/analytics/top?by=license_key&from=${FROM}&to=${TO}`),
      agents: await json(`api-calls/analytics/top?by=user_agent&from=${FROM}&to=${TO}`),
      summary: await json(`api-calls/analytics/summary?from=${FROM}&to=${TO}`),
      // A whole day: once folded, read from the day's summary.
      dayKeys: await json(`api-calls/analytics/top?by=license_key&from=${DAY_FROM}&to=${DAY_TO}`),
      daySummary: await json(`api-calls/analytics/summary?from=${DAY_FROM}&to=${DAY_TO}`),
      auth: await json(`api-calls/analytics/auth-failures?from=${FROM}&to=${TO}`),
      endpoints: await json(`api-calls/analytics/endpoints?from=${FROM}&to=${TO}`),
      blocked: await json(`blocked/analytics/top?by=block_reason&from=${FROM}&to=${TO}`),
      blockedSeries: await json(
        `blocked/analytics/timeseries?bucket=day&from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z`,
      ),
    };
  }

  beforeAll(async () => {
    t = await createTestApp(dialect);
    await seedRequestLogs(t.services.core.db, knownCalls(), BLOCKED);
    t.clock.set('2026-03-03T12:00:00.000Z');
  });
  afterAll(() => t.close());

  it('answers from the entries alone, then the same from the rollups', async () => {
    const before = await answers();
    expect(before.hourly.data).toEqual([
      { start: '2026-03-01T23:00:00.000Z', count: 1 },
      { start: '2026-03-02T00:00:00.000Z', count: 2 },
      { start: '2026-03-02T01:00:00.000Z', count: 2 },
      { start: '2026-03-02T02:00:00.000Z', count: 1 },
      { start: '2026-03-02T03:00:00.000Z', count: 100 },
      { start: '2026-03-02T04:00:00.000Z', count: 1 },
      { start: '2026-03-02T05:00:00.000Z', count: 0 },
    ]);
    expect(before.daily.data).toEqual([
      { start: '2026-03-01T00:00:00.000Z', count: 1 },
      { start: '2026-03-02T00:00:00.000Z', count: 106 },
    ]);
    expect(before.errors.data).toEqual([
      { value: 'ERR_API_KEY_EXPIRED', count: 1 },
      { value: 'ERR_INTERNAL', count: 1 },
      { value: 'ERR_INVALID_API_KEY', count: 1 },
      { value: 'ERR_LICENSE_SUSPENDED', count: 1 },
    ]);
    expect(before.ips).toMatchObject({ approximate: false, max_error: 0 });
    expect(before.ips.data).toEqual([
      { value: '192.0.2.4', count: 100 },
      { value: '192.0.2.1', count: 3 },
    ]);
    expect(before.keys.data).toEqual([
      { value: 'XXXX-XXXX-XXXX-1111', count: 3 },
      { value: 'XXXX-XXXX-XXXX-2222', count: 1 },
    ]);
    expect(before.dayKeys.data).toEqual([
      { value: 'XXXX-XXXX-XXXX-1111', count: 2 },
      { value: 'XXXX-XXXX-XXXX-2222', count: 1 },
    ]);
    expect(before.daySummary).toMatchObject({ total: 106, unique_ips: 5 });
    expect(JSON.stringify(before)).not.toContain(KEY_1);
    expect(before.agents.data).toEqual([
      { value: 'KeyManager-SDK/2.1.0', count: 106 },
      { value: 'curl/8.0', count: 1 },
    ]);
    expect(before.summary).toMatchObject({ total: 107, failures: 4, success_rate: 0.962617, unique_ips: 5 });
    expect(before.auth).toMatchObject({
      total: 107,
      failures: 2,
      rate: 0.018692,
      by_error_code: [
        { error_code: 'ERR_API_KEY_EXPIRED', count: 1 },
        { error_code: 'ERR_INVALID_API_KEY', count: 1 },
      ],
    });
    const validate = before.endpoints.data.find((e: { endpoint: string }) => e.endpoint === VALIDATE);
    expect(validate).toMatchObject({ calls: 105, failures: 2 });
    // Within one log-scale bucket (9 %) of the exact order statistics of 1..100 ms and a few 5 ms.
    expect(validate.p50_ms).toBeGreaterThan(46 / 1.09);
    expect(validate.p50_ms).toBeLessThan(48 * 1.09);
    expect(validate.p99_ms).toBeGreaterThan(98 / 1.09);
    expect(validate.p99_ms).toBeLessThan(98 * 1.09);
    expect(before.blocked.data).toEqual([
      { value: 'RATE_LIMIT_EXCEEDED', count: 2 },
      { value: 'IP_BLOCKLISTED', count: 1 },
    ]);
    expect(before.blockedSeries.data).toEqual([{ start: '2026-03-02T00:00:00.000Z', count: 3 }]);

    await t.services.analytics.job.runOnce();
    const state = await t.services.analytics.rollups.readState('api_calls');
    expect(state.summarisedHour).toBeGreaterThan(0);
    const days = await t.services.core.db
      .selectFrom('log_value_summary')
      .select('bucket')
      .where('span', '=', 1440)
      .execute();
    expect(days.map((d) => d.bucket)).toContain(Date.parse(DAY_FROM) / 60_000);
    // Unique addresses now come from the hours' sketches: approximate, here still exact (small counts).
    expect(await answers()).toEqual({
      ...before,
      summary: { ...before.summary, unique_ips_approximate: true },
      daySummary: { ...before.daySummary, unique_ips_approximate: true },
    });
  });

  it('filters a series by endpoint, status class and error code', async () => {
    const series = async (filters: string) =>
      (
        await json(
          `api-calls/analytics/timeseries?bucket=day&from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z&${filters}`,
        )
      ).data[0].count;
    expect(await series(`endpoint=${ACTIVATE}`)).toBe(2);
    expect(await series('status_class=4xx')).toBe(3);
    expect(await series('error_code=ERR_INTERNAL')).toBe(1);
    expect(await series('status=200&method=POST')).toBe(102);
    const failed = await json(
      'failed-api-calls/analytics/timeseries?bucket=day&from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z',
    );
    expect(failed.data[0].count).toBe(4);
  });

  it('counts an odd window exactly: minutes and milliseconds at its edges', async () => {
    const odd = await json(
      'api-calls/analytics/summary?from=2026-03-02T00:00:00.000Z&to=2026-03-02T00:59:59.999Z',
    );
    expect(odd.total).toBe(1);
    const closed = await json(
      'api-calls/analytics/summary?from=2026-03-02T00:00:00.000Z&to=2026-03-02T01:00:00.001Z',
    );
    expect(closed.total).toBe(3);
  });

  it('catches up after a restart, counts new entries once and never twice', async () => {
    await seedRequestLogs(t.services.core.db, [
      { at: '2026-03-02T05:30:00.000Z' },
      { at: '2026-03-02T05:31:00.000Z' },
      { at: '2026-03-02T05:32:00.000Z' },
    ]);
    const total = async () => (await json(`api-calls/analytics/summary?from=${FROM}&to=${TO}`)).total;
    expect(await total()).toBe(110);
    // A second process (or this one restarted) folds in small batches; one batch fails midway.
    const core = t.services.core;
    const rollups = t.services.analytics.rollups;
    let failures = 1;
    const failing = {
      ...rollups,
      addLatencies: async (...args: Parameters<typeof rollups.addLatencies>) => {
        if (failures-- > 0) throw new Error('store went away');
        return rollups.addLatencies(...args);
      },
    };
    const restarted = createRollupJob({
      db: core.db,
      entries: createRequestLogRepository(core.db),
      rollups: failing,
      clock: core.clock,
      logger: core.logger,
      batchSize: 2,
    });
    await expect(restarted.runOnce()).rejects.toThrow('store went away');
    await restarted.runOnce();
    await restarted.runOnce();
    await t.services.analytics.job.runOnce();
    expect(await total()).toBe(110);
    const rolled = await core.db
      .selectFrom('api_call_rollup')
      .select((eb) => eb.fn.sum<number>('count').as('n'))
      .where('span', '=', 1)
      .executeTakeFirstOrThrow();
    expect(Number(rolled.n)).toBe(110);
  });

  it('keeps the most frequent values of a closed hour and says how far a count may fall short', async () => {
    const at = (minute: number, ip: string): SeedCall => ({ at: `2026-03-03T13:${minute}:00.000Z`, ip });
    await seedRequestLogs(t.services.core.db, [
      at(10, '192.0.2.7'),
      at(11, '192.0.2.7'),
      at(12, '192.0.2.7'),
      at(13, '192.0.2.8'),
      at(14, '192.0.2.8'),
      at(15, '192.0.2.9'),
    ]);
    t.clock.set('2026-03-03T15:00:00.000Z');
    const core = t.services.core;
    const keepOne = createRollupJob({
      db: core.db,
      entries: createRequestLogRepository(core.db),
      rollups: t.services.analytics.rollups,
      clock: core.clock,
      logger: core.logger,
      topValuesPerHour: 1,
    });
    await keepOne.runOnce();
    const hour = await json(
      'api-calls/analytics/top?by=ip&from=2026-03-03T13:00:00Z&to=2026-03-03T14:00:00Z',
    );
    expect(hour).toMatchObject({ approximate: true, max_error: 2, data: [{ value: '192.0.2.7', count: 3 }] });
    // A window that does not cover the whole hour reads the entries: exact.
    const inside = await json(
      'api-calls/analytics/top?by=ip&from=2026-03-03T13:00:00.001Z&to=2026-03-03T14:00:00Z',
    );
    expect(inside).toMatchObject({ approximate: false, max_error: 0 });
    expect(inside.data).toEqual([
      { value: '192.0.2.7', count: 3 },
      { value: '192.0.2.8', count: 2 },
      { value: '192.0.2.9', count: 1 },
    ]);
    // Unique addresses from the hour's sketch: small counts stay exact.
    expect(
      await json('api-calls/analytics/summary?from=2026-03-03T13:00:00Z&to=2026-03-03T14:00:00Z'),
    ).toMatchObject({
      total: 6,
      unique_ips: 3,
      unique_ips_approximate: true,
    });
  });

  it('refuses unknown parameters and bad values with 422', async () => {
    for (const url of [
      'api-calls/analytics/timeseries?bucket=week',
      'api-calls/analytics/timeseries?colour=red',
      'api-calls/analytics/timeseries?bucket=minute&from=2026-01-01T00:00:00Z&to=2026-03-01T00:00:00Z',
      `api-calls/analytics/summary?from=${TO}&to=${FROM}`,
      'api-calls/analytics/top?by=license_key&limit=1000',
      'api-calls/analytics/top',
      'blocked/analytics/top?by=license_key',
      'blocked/analytics/timeseries?block_reason=BORED',
      'api-calls/analytics/timeseries?status=99',
    ]) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(422);
      expect(response.json().error.code).toBe('ERR_VALIDATION');
    }
  });

  it('needs logs:read and records each read in the activity log', async () => {
    const { secret } = await t.services.apiKeys.create({ name: 'support', scope: 'admin', role: 'support' });
    expect((await get('api-calls/analytics/summary', secret)).statusCode).toBe(403);
    expect((await get('api-calls/analytics/summary', 'km_live_' + 'x'.repeat(32))).statusCode).toBe(401);
    await json('blocked/analytics/summary');
    const reads = await t.services.activity.repository.list({ action_type: 'LOGS_SEARCHED' });
    expect(parseJson(reads.at(-1)!.details)).toMatchObject({ log: 'blocked', analytics: 'summary' });
  });
});
