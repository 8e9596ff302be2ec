import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRetentionService } from '../../src/logging/retention/retention.service.js';
import type { RetainedLog } from '../../src/logging/retention/retained-logs.js';
import { activityRows, detailsOf } from '../helpers/activity.js';
import { activitySeeder, seedActivity } from '../helpers/activity-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { requestLogSeeder, seedRequestLogs } from '../helpers/request-log-seed.js';

const NOW = '2026-03-10T12:00:00.000Z';
const RETENTION = { activity: 30, api_calls: 10, failed_api_calls: 40, blocked: 20 };
// Midnight UTC `days` before today's: the first instant each log keeps.
const FIRST_KEPT = {
  activity: '2026-02-08T00:00:00.000Z',
  api_calls: '2026-02-28T00:00:00.000Z',
  failed_api_calls: '2026-01-29T00:00:00.000Z',
  blocked: '2026-02-18T00:00:00.000Z',
};
const SEEDED_BEFORE = '2026-03-01T00:00:00.000Z';
const lastMsBefore = (iso: string) => new Date(new Date(iso).getTime() - 1).toISOString();

const LIST_URL: Record<RetainedLog, string> = {
  activity: '/api/v1/logs/activity',
  api_calls: '/api/v1/logs/api-calls',
  failed_api_calls: '/api/v1/logs/failed-api-calls',
  blocked: '/api/v1/logs/blocked',
};

describe.each(DIALECTS)('log retention on %s', (dialect) => {
  let t: TestContext;

  /**
   * Timestamps of the seeded entries a log lists through the API, oldest first. The API-call list shows
   * failures too; the `api_calls` log is the successful ones. The test's own requests, logged at the
   * clock's time, are left out.
   */
  async function listed(log: RetainedLog): Promise<string[]> {
    const response = await t.request({ method: 'GET', url: `${LIST_URL[log]}?limit=200` });
    expect(response.statusCode).toBe(200);
    return (response.json() as { data: { timestamp: string; status?: number }[] }).data
      .filter((e) => e.timestamp < SEEDED_BEFORE && !(log === 'api_calls' && e.status! >= 400))
      .map((e) => e.timestamp)
      .reverse();
  }

  /** Each log gets an old entry, one in the last millisecond of its newest expired day, one at the first of its oldest kept day. */
  async function seedBoundaries(): Promise<void> {
    const activity = activitySeeder(NOW);
    const rows = [];
    for (const at of ['2026-01-02T08:00:00.000Z', lastMsBefore(FIRST_KEPT.activity), FIRST_KEPT.activity]) {
      activity.clock.set(at);
      rows.push(activity.row({ action_type: 'LICENSE_CREATED' }));
    }
    await seedActivity(t.services.core.db, rows);

    const seed = requestLogSeeder(NOW);
    const at = <T>(iso: string, make: () => T) => {
      seed.clock.set(iso);
      return make();
    };
    const calls = [
      at('2026-01-20T10:00:00.000Z', () => seed.apiCall({ status: 200 })),
      at(lastMsBefore(FIRST_KEPT.failed_api_calls), () => seed.apiCall({ status: 404 })),
      at(FIRST_KEPT.failed_api_calls, () => seed.apiCall({ status: 500 })),
      // Past the successful calls' retention but not the failures': the failure in the same table stays.
      at(lastMsBefore(FIRST_KEPT.api_calls), () => seed.apiCall({ status: 200 })),
      at(lastMsBefore(FIRST_KEPT.api_calls), () => seed.apiCall({ status: 403 })),
      at(FIRST_KEPT.api_calls, () => seed.apiCall({ status: 201 })),
    ];
    const blocked = [
      at('2026-01-05T00:00:00.000Z', () => seed.blocked()),
      at(lastMsBefore(FIRST_KEPT.blocked), () => seed.blocked()),
      at(FIRST_KEPT.blocked, () => seed.blocked()),
    ];
    await seedRequestLogs(t, calls, blocked);
  }

  beforeAll(async () => {
    t = await createTestApp(dialect);
    t.clock.set(NOW);
    const response = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { retention_days: RETENTION },
    });
    expect(response.statusCode).toBe(200);
  });
  afterAll(() => t.close());

  beforeEach(async () => {
    for (const table of ['activity_log', 'api_call_log', 'blocked_log'] as const) {
      await t.services.core.db.deleteFrom(table).execute();
    }
    t.clock.set(NOW);
    await seedBoundaries();
  });

  it('a dry run counts what would go, per log, and deletes nothing', async () => {
    const before = await Promise.all((['api_calls', 'failed_api_calls', 'blocked'] as const).map(listed));
    const outcomes = await t.services.retention.service.prune({ dryRun: true });
    expect(outcomes.map(({ log, deleted, cutoff }) => ({ log, deleted, cutoff }))).toEqual([
      { log: 'activity', deleted: 2, cutoff: FIRST_KEPT.activity },
      { log: 'api_calls', deleted: 2, cutoff: FIRST_KEPT.api_calls },
      { log: 'failed_api_calls', deleted: 1, cutoff: FIRST_KEPT.failed_api_calls },
      { log: 'blocked', deleted: 2, cutoff: FIRST_KEPT.blocked },
    ]);
    expect(await Promise.all((['api_calls', 'failed_api_calls', 'blocked'] as const).map(listed))).toEqual(
      before,
    );
    expect((await activityRows(t)).some((row) => row.action_type === 'LOGS_PRUNED')).toBe(false);
  });

  it('deletes up to the last millisecond of the newest expired day and keeps the first of the oldest kept day', async () => {
    await t.services.retention.job.runOnce();
    expect(await listed('api_calls')).toEqual([FIRST_KEPT.api_calls]);
    expect(await listed('failed_api_calls')).toEqual([
      FIRST_KEPT.failed_api_calls,
      lastMsBefore(FIRST_KEPT.api_calls),
    ]);
    expect(await listed('blocked')).toEqual([FIRST_KEPT.blocked]);
    const activity = (await activityRows(t)).filter((row) => row.action_type === 'LICENSE_CREATED');
    expect(activity.map((row) => row.timestamp)).toEqual([FIRST_KEPT.activity]);
  });

  it('drops the analytics rollups older than every request log keeps', async () => {
    const minute = (iso: string) => Math.floor(new Date(iso).getTime() / 60_000);
    const bucket = (iso: string) => ({
      span: 1,
      bucket: minute(iso),
      endpoint_id: 0,
      method: 2,
      status: 200,
      error_code: '',
      channel: 0,
      count: 1,
    });
    await t.services.core.db.deleteFrom('api_call_rollup').execute();
    await t.services.core.db
      .insertInto('api_call_rollup')
      .values([bucket('2026-01-28T23:59:00.000Z'), bucket(FIRST_KEPT.failed_api_calls)])
      .execute();
    await t.services.retention.job.runOnce();
    const left = await t.services.core.db.selectFrom('api_call_rollup').select('bucket').execute();
    // The failures keep 40 days, the longest of the request logs: the rollups keep as much.
    expect(left.map((row) => row.bucket)).toEqual([minute(FIRST_KEPT.failed_api_calls)]);
  });

  it('records each prune in the activity log as the system', async () => {
    await t.services.retention.job.runOnce();
    const pruned = (await activityRows(t)).filter((row) => row.action_type === 'LOGS_PRUNED');
    expect(pruned.map((row) => [row.actor_type, row.admin_user, row.result, detailsOf(row)]).sort()).toEqual(
      [
        ['system', 'retention job', 'success', { log: 'activity', deleted: 2, cutoff: FIRST_KEPT.activity }],
        [
          'system',
          'retention job',
          'success',
          { log: 'api_calls', deleted: 2, cutoff: FIRST_KEPT.api_calls },
        ],
        [
          'system',
          'retention job',
          'success',
          { log: 'failed_api_calls', deleted: 1, cutoff: FIRST_KEPT.failed_api_calls },
        ],
        ['system', 'retention job', 'success', { log: 'blocked', deleted: 2, cutoff: FIRST_KEPT.blocked }],
      ].sort(),
    );
  });

  it('nothing is deleted before its time: a second later the kept day is still kept, a day later it goes', async () => {
    await t.services.retention.job.runOnce();
    t.clock.set('2026-03-10T23:59:59.999Z');
    await t.services.retention.job.runOnce();
    expect(await listed('blocked')).toEqual([FIRST_KEPT.blocked]);
    t.clock.set('2026-03-11T00:00:00.000Z');
    await t.services.retention.job.runOnce();
    expect(await listed('blocked')).toEqual([]);
  });

  it('a failing archive deletes nothing of its log, reports the error, and the next run retries', async () => {
    const archived: [RetainedLog, string][] = [];
    let failing = true;
    const kept: [RetainedLog, string | null][] = [];
    const retention = createRetentionService({
      db: t.services.core.db,
      dialect,
      clock: t.clock,
      logger: t.services.core.logger,
      settings: t.services.loggingSettings,
      activity: t.services.activity,
      hooks: {
        archiveBefore: async (log, beforeId) => {
          if (log === 'failed_api_calls' && failing) throw new Error('archive storage unreachable');
          archived.push([log, beforeId]);
        },
        onDeleted: async (_tx, log, firstKeptId) => {
          kept.push([log, firstKeptId]);
        },
      },
    });
    const failedBefore = await listed('failed_api_calls');
    const outcomes = await retention.prune({ actor: 'retention job' });
    expect(outcomes.find((o) => o.log === 'failed_api_calls')).toMatchObject({
      deleted: 0,
      error: 'archive storage unreachable',
    });
    expect(await listed('failed_api_calls')).toEqual(failedBefore);
    expect(await listed('api_calls')).toEqual([FIRST_KEPT.api_calls]);
    expect(archived.map(([log]) => log)).toEqual(['activity', 'api_calls', 'blocked']);
    // The bound handed to the archive is the cutoff as an id: its time part is the first kept instant.
    expect(archived[0]![1]).toMatch(/^log_[0-9a-z]{10}0{16}$/);
    const failure = (await activityRows(t)).find(
      (row) => row.action_type === 'LOGS_PRUNED' && row.result === 'failure',
    );
    expect(failure && detailsOf(failure)).toMatchObject({ log: 'failed_api_calls', deleted: 0 });
    // The chain hook hears where each log now starts: its oldest kept entry.
    const firstKept = Object.fromEntries(kept);
    const apiCalls = (
      (await t.request({ method: 'GET', url: '/api/v1/logs/api-calls' })).json() as {
        data: { id: string; status: number }[];
      }
    ).data.filter((e) => e.status < 400);
    expect(firstKept.api_calls).toBe(apiCalls.at(-1)!.id);

    failing = false;
    await retention.prune();
    expect(await listed('failed_api_calls')).toEqual([
      FIRST_KEPT.failed_api_calls,
      lastMsBefore(FIRST_KEPT.api_calls),
    ]);
  });
});
