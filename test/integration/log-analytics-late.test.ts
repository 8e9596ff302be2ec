import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRequestLogs, type SeedCall } from '../helpers/analytics-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

const ACTIVATE = '/api/v1/licenses/activate';
const FROM = '2026-04-01T10:00:00.000Z';
const TO = '2026-04-01T11:00:00.000Z';
const DAY = 'from=2026-04-01T00:00:00Z&to=2026-04-02T00:00:00Z';

const call = (minute: string, ip: string, more: Partial<SeedCall> = {}): SeedCall => ({
  at: `2026-04-01T10:${minute}:00.000Z`,
  ip,
  ...more,
});

describe.each(DIALECTS)('late log entries in the analytics on %s', (dialect) => {
  let t: TestContext;
  const json = async (url: string) => {
    const response = await t.request({ method: 'GET', url: `/api/v1/logs/${url}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };
  /** What a user compares with the log: whole hours and days, read from the rollups once folded. */
  const answers = async () => ({
    summary: await json(`api-calls/analytics/summary?from=${FROM}&to=${TO}`),
    daySeries: await json(`api-calls/analytics/timeseries?bucket=day&${DAY}`),
    minutes: await json(`api-calls/analytics/timeseries?bucket=minute&from=${FROM}&to=2026-04-01T10:20:00Z`),
    ips: await json(`api-calls/analytics/top?by=ip&from=${FROM}&to=${TO}`),
    endpoints: await json(`api-calls/analytics/endpoints?${DAY}`),
    blocked: await json(`blocked/analytics/summary?${DAY}`),
  });

  beforeAll(async () => {
    t = await createTestApp(dialect);
    await seedRequestLogs(
      t.services.core.db,
      [call('01', '192.0.2.1'), call('02', '192.0.2.1'), call('12', '192.0.2.2')],
      [{ at: '2026-04-01T10:03:00.000Z', reason: 'RATE_LIMIT_EXCEEDED' }],
    );
    // The next day: the fold passes the whole of 2026-04-01 and summarises its hours and the day.
    t.clock.set('2026-04-02T00:30:00.000Z');
    await t.services.analytics.job.runOnce();
  });
  afterAll(() => t.close());

  it('counts entries stored after the fold passed their time at the next fold, exactly once', async () => {
    const onTime = await answers();
    expect(onTime.summary).toMatchObject({ total: 3, unique_ips: 2 });
    expect(onTime.daySeries.data).toEqual([{ start: '2026-04-01T00:00:00.000Z', count: 3 }]);

    // A spool replayed after an outage: entries timed before the watermark, one on a new endpoint.
    await seedRequestLogs(
      t.services.core.db,
      [
        call('02', '192.0.2.9'),
        call('05', '192.0.2.9', { endpoint: ACTIVATE, status: 500 }),
        call('15', '192.0.2.9'),
      ],
      [{ at: '2026-04-01T10:04:00.000Z', reason: 'RATE_LIMIT_EXCEEDED' }],
    );
    await t.services.analytics.job.runOnce();
    const late = await answers();
    expect(late.summary).toMatchObject({ total: 6, failures: 1, unique_ips: 3 });
    expect(late.daySeries.data).toEqual([{ start: '2026-04-01T00:00:00.000Z', count: 6 }]);
    expect(late.minutes.data.filter((p: { count: number }) => p.count > 0)).toEqual([
      { start: '2026-04-01T10:01:00.000Z', count: 1 },
      { start: '2026-04-01T10:02:00.000Z', count: 2 },
      { start: '2026-04-01T10:05:00.000Z', count: 1 },
      { start: '2026-04-01T10:12:00.000Z', count: 1 },
      { start: '2026-04-01T10:15:00.000Z', count: 1 },
    ]);
    // The closed hour's top values were summarised again.
    expect(late.ips).toMatchObject({ approximate: false, max_error: 0 });
    expect(late.ips.data).toEqual([
      { value: '192.0.2.9', count: 3 },
      { value: '192.0.2.1', count: 2 },
      { value: '192.0.2.2', count: 1 },
    ]);
    const activate = late.endpoints.data.find((e: { endpoint: string }) => e.endpoint === ACTIVATE);
    expect(activate).toMatchObject({ calls: 1, failures: 1 });
    expect(late.blocked).toMatchObject({ total: 2 });

    // Folding again (and again) changes nothing: each late entry is counted once.
    await t.services.analytics.job.runOnce();
    await t.services.analytics.job.runOnce();
    expect(await answers()).toEqual(late);
    const marks = await t.services.core.db.selectFrom('log_rollup_late').selectAll().execute();
    expect(marks).toEqual([]);
    const minuteRows = await t.services.core.db
      .selectFrom('api_call_rollup')
      .select((eb) => eb.fn.sum<number>('count').as('n'))
      .where('span', '=', 1)
      .executeTakeFirstOrThrow();
    expect(Number(minuteRows.n)).toBe(6);
  });
});
