import type { Counter } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRules, evaluateAt, listAlerts, spread, type AlertRuleView } from '../helpers/alerts.js';
import { seedRequestLogs } from '../helpers/analytics-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

const MINUTE = 60_000;
const at = (base: string, minutes: number) => new Date(Date.parse(base) + minutes * MINUTE).toISOString();

describe.each(DIALECTS)('built-in alert rules on %s', (dialect) => {
  let t: TestContext;
  let rules: Record<string, AlertRuleView>;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    rules = await builtinRules(t);
  });
  afterAll(() => t.close());

  const firing = async (rule: AlertRuleView) => listAlerts(t, `&rule_id=${rule.id}&state=firing`);

  it('only one evaluation per interval, however many evaluators try', async () => {
    t.clock.set('2024-05-01T00:00:30.000Z');
    const reports = await Promise.all([
      t.services.alerts.evaluator.evaluate(),
      t.services.alerts.evaluator.evaluate(),
      t.services.alerts.evaluator.evaluate(),
    ]);
    expect(reports.filter((r) => r.evaluated)).toHaveLength(1);
    t.clock.set('2024-05-01T00:00:59.000Z');
    expect((await t.services.alerts.job.runOnce()).evaluated).toBe(false);
    t.clock.set('2024-05-01T00:01:00.000Z');
    expect((await t.services.alerts.job.runOnce()).evaluated).toBe(true);
  });

  it('a sensitive admin action (a logging settings change) fires from the activity log', async () => {
    t.clock.set('2024-05-02T09:00:00.000Z');
    const response = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { api_call_sample_rate: 0.5 },
    });
    expect(response.statusCode, response.body).toBe(200);
    await evaluateAt(t, '2024-05-02T09:01:00.000Z');
    const [alert] = await firing(rules.sensitive_admin_action!);
    expect(alert!.summary).toBe(
      'Sensitive admin action in the last 5 minutes: SETTINGS_UPDATED by test owner (Logging settings)',
    );
    // Out of the window, the alert resolves by itself.
    await evaluateAt(t, '2024-05-02T09:06:00.000Z');
    expect(await firing(rules.sensitive_admin_action!)).toEqual([]);
  });

  it('the error rate of one endpoint fires for that endpoint alone', async () => {
    const start = '2024-05-03T12:00:00.000Z';
    await seedRequestLogs(t.services.core.db, [
      ...spread(start, at(start, 5), 10, (when, i) =>
        i % 5 === 0
          ? { at: when, endpoint: '/api/v1/licenses/activate', status: 503, error_code: 'ERR_NOT_READY' }
          : { at: when, endpoint: '/api/v1/licenses/activate' },
      ),
      ...spread(start, at(start, 5), 10, (when) => ({ at: when, endpoint: '/api/v1/licenses/validate' })),
    ]);
    await evaluateAt(t, at(start, 5));
    const alerts = await firing(rules.endpoint_error_rate!);
    expect(alerts.map((a) => [a.group, a.value])).toEqual([['/api/v1/licenses/activate', 0.2]]);
    expect(alerts[0]!.summary).toBe(
      '/api/v1/licenses/activate: 20% server errors (10 of 50 calls) over 5 minutes; threshold 5%',
    );
  });

  it('the log pipeline dropping entries fires, and resolves once it stops', async () => {
    const dropped = t.services.metrics.registry.getSingleMetric(
      'keymanager_log_entries_dropped_total',
    ) as Counter<'log'>;
    await evaluateAt(t, '2024-05-04T08:00:00.000Z');
    dropped.inc({ log: 'api_calls' }, 7);
    await evaluateAt(t, '2024-05-04T08:01:00.000Z');
    const [alert] = await firing(rules.log_pipeline!);
    expect(alert).toMatchObject({ group: 'dropped', value: 7 });
    await evaluateAt(t, '2024-05-04T08:07:00.000Z');
    expect(await firing(rules.log_pipeline!)).toEqual([]);
  });

  it('storage growth compares the database size over its window', async () => {
    const response = await t.request({
      method: 'PATCH',
      url: `/api/v1/alerts/rules/${rules.storage_growth!.id}`,
      payload: { condition: { threshold: 64 * 1024, window_minutes: 60 } },
    });
    expect(response.statusCode, response.body).toBe(200);
    const start = '2024-05-05T10:00:00.000Z';
    await evaluateAt(t, start);
    expect(await firing(rules.storage_growth!)).toEqual([]);
    // A few thousand entries with long user agents: well over 64 KiB.
    await seedRequestLogs(
      t.services.core.db,
      spread(at(start, 1), at(start, 9), 500, (when, i) => ({
        at: when,
        user_agent: `agent-${i}-${'x'.repeat(200)}`,
      })),
    );
    await evaluateAt(t, at(start, 10));
    const [alert] = await firing(rules.storage_growth!);
    expect(alert!.value).toBeGreaterThanOrEqual(64 * 1024);
    expect(alert!.summary).toMatch(/^Database grew by [\d.]+ MiB between /);
  });
});
