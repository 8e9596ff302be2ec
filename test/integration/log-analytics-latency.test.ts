import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedRequestLogs, type SeedCall } from '../helpers/analytics-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

const ACTIVATE = '/api/v1/licenses/activate';
// The middles of the log-scale response-time buckets holding 10, 50, 200 and 400 ms (ADR 0008): what a
// percentile falling on those calls reports, within 9 % of the exact value.
const MS_10 = 10.624;
const MS_50 = 50.535;
const MS_200 = 202.141;
const MS_400 = 404.281;

const at = (hour: number, minute: number, second = 0) =>
  new Date(Date.UTC(2026, 2, 2, hour, minute, second)).toISOString();

/**
 * 10:00–11:00: 94 calls of 10 ms every 30 s from 10:00:00, then 6 of 200 ms (activations) from 10:50.
 * 11:00–12:00: 10 calls of 50 ms every 5 minutes, and 2 failures of 400 ms at 11:07 and 11:58.
 * Nothing after 12:00.
 */
function knownCalls(): SeedCall[] {
  const calls: SeedCall[] = [];
  for (let i = 0; i < 94; i++) calls.push({ at: at(10, Math.floor(i / 2), (i % 2) * 30), ms: 10 });
  for (let i = 0; i < 6; i++) calls.push({ at: at(10, 50, i), ms: 200, endpoint: ACTIVATE });
  for (let i = 0; i < 10; i++) calls.push({ at: at(11, i * 5), ms: 50 });
  calls.push({ at: at(11, 7), ms: 400, status: 500, error_code: 'ERR_INTERNAL' });
  calls.push({ at: at(11, 58), ms: 400, status: 500, error_code: 'ERR_INTERNAL' });
  return calls.sort((a, b) => a.at.localeCompare(b.at));
}

const NONE = { calls: 0, p50_ms: null, p95_ms: null, p99_ms: null };

describe.each(DIALECTS)('response-time percentiles over time on %s', (dialect) => {
  let t: TestContext;
  const json = async (url: string) => {
    const response = await t.request({ method: 'GET', url: `/api/v1/logs/${url}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json();
  };

  async function answers() {
    return {
      hourly: await json(`api-calls/analytics/latency?bucket=hour&from=${at(10, 0)}&to=${at(13, 0)}`),
      uneven: await json(`api-calls/analytics/latency?bucket=hour&from=${at(10, 45, 15)}&to=${at(11, 30)}`),
      daily: await json(
        `api-calls/analytics/latency?bucket=day&from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z`,
      ),
      failed: await json(`failed-api-calls/analytics/latency?bucket=hour&from=${at(10, 0)}&to=${at(12, 0)}`),
      activate: await json(
        `api-calls/analytics/latency?bucket=hour&from=${at(10, 0)}&to=${at(12, 0)}&endpoint=${ACTIVATE}`,
      ),
      minutes: await json(`api-calls/analytics/latency?bucket=minute&from=${at(11, 4)}&to=${at(11, 8)}`),
    };
  }

  beforeAll(async () => {
    t = await createTestApp(dialect);
    await seedRequestLogs(t.services.core.db, knownCalls());
    t.clock.set('2026-03-03T12:00:00.000Z');
  });
  afterAll(() => t.close());

  it('gives p50, p95 and p99 per bucket, the same from the entries and from the rollups', async () => {
    const before = await answers();
    expect(before.hourly).toMatchObject({ bucket: 'hour', from: at(10, 0), to: at(13, 0) });
    expect(before.hourly.data).toEqual([
      // 100 calls: the 95th is the first of the six slow ones.
      { start: at(10, 0), calls: 100, p50_ms: MS_10, p95_ms: MS_200, p99_ms: MS_200 },
      // 12 calls: the 12th (p95 and p99) is a 400 ms failure; the 6th is 50 ms.
      { start: at(11, 0), calls: 12, p50_ms: MS_50, p95_ms: MS_400, p99_ms: MS_400 },
      { start: at(12, 0), ...NONE },
    ]);
    // From 10:45:15: three fast calls and the six slow ones; up to 11:30: six of 50 ms and one failure.
    expect(before.uneven.data).toEqual([
      { start: at(10, 0), calls: 9, p50_ms: MS_200, p95_ms: MS_200, p99_ms: MS_200 },
      { start: at(11, 0), calls: 7, p50_ms: MS_50, p95_ms: MS_400, p99_ms: MS_400 },
    ]);
    // 112 calls: 94 × 10, 10 × 50, 6 × 200, 2 × 400 ms; the 107th is 200 ms, the 111th 400 ms.
    expect(before.daily.data).toEqual([
      { start: '2026-03-02T00:00:00.000Z', calls: 112, p50_ms: MS_10, p95_ms: MS_200, p99_ms: MS_400 },
    ]);
    expect(before.failed.data).toEqual([
      { start: at(10, 0), ...NONE },
      { start: at(11, 0), calls: 2, p50_ms: MS_400, p95_ms: MS_400, p99_ms: MS_400 },
    ]);
    expect(before.activate.data).toEqual([
      { start: at(10, 0), calls: 6, p50_ms: MS_200, p95_ms: MS_200, p99_ms: MS_200 },
      { start: at(11, 0), ...NONE },
    ]);
    expect(before.minutes.data).toEqual([
      { start: at(11, 4), ...NONE },
      { start: at(11, 5), calls: 1, p50_ms: MS_50, p95_ms: MS_50, p99_ms: MS_50 },
      { start: at(11, 6), ...NONE },
      { start: at(11, 7), calls: 1, p50_ms: MS_400, p95_ms: MS_400, p99_ms: MS_400 },
    ]);

    await t.services.analytics.job.runOnce();
    expect(await answers()).toEqual(before);
  });

  it('matches nothing for an endpoint never called, and refuses too many buckets', async () => {
    const unknown = await json(
      `api-calls/analytics/latency?bucket=hour&from=${at(10, 0)}&to=${at(11, 0)}&endpoint=/api/v1/nowhere`,
    );
    expect(unknown.data).toEqual([{ start: at(10, 0), ...NONE }]);
    const tooMany = await t.request({
      method: 'GET',
      url: `/api/v1/logs/api-calls/analytics/latency?bucket=minute&from=2026-03-01T00:00:00Z&to=2026-03-03T00:00:00Z`,
    });
    expect(tooMany.statusCode).toBe(422);
    const blocked = await t.request({ method: 'GET', url: '/api/v1/logs/blocked/analytics/latency' });
    expect(blocked.statusCode).toBe(404);
  });
});
