import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BUILTIN_RULES } from '../../src/alerts/alert-builtins.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { keyWithRole } from '../helpers/access.js';
import {
  builtinRules,
  evaluateAt,
  listAlerts,
  spread,
  type AlertRuleView,
  type AlertView,
} from '../helpers/alerts.js';
import { seedRequestLogs } from '../helpers/analytics-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

const RULES = '/api/v1/alerts/rules';

/** A local port nothing listens on: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
const SECRET = 'rule-webhook-secret-canary-987654321';

const validRule = {
  name: 'Validation failures on activation',
  severity: 'warning',
  condition: {
    type: 'custom',
    log: 'failed-api-calls',
    filters: { endpoint: '/api/v1/licenses/activate', error_code: 'ERR_VALIDATION' },
    metric: 'count',
    window_minutes: 10,
    threshold: 20,
    group_by: 'ip',
  },
  cooldown_minutes: 15,
  notify: {
    emails: ['ops@vendor.test'],
    webhook_url: 'https://hooks.vendor.test/alerts',
    webhook_secret: SECRET,
  },
};

describe.each(DIALECTS)('alert rules API on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  async function stored() {
    const db = t.services.core.db.withTables<{ alert_rules: { id: string; deleted_at: string | null } }>();
    const rows = await db.selectFrom('alert_rules').select(['id', 'deleted_at']).execute();
    return rows.filter((r) => r.deleted_at === null).length;
  }

  it('seeds the built-in rules once, enabled, with the documented thresholds', async () => {
    const builtins = await builtinRules(t);
    expect(Object.keys(builtins).sort()).toEqual(BUILTIN_RULES.map((r) => r.builtin).sort());
    expect(builtins.auth_failure_rate).toMatchObject({
      enabled: true,
      severity: 'critical',
      condition: { type: 'auth_failure_rate', window_minutes: 5, threshold: 0.1, min_volume: 100 },
    });
    await t.services.alerts.rules.seedBuiltins();
    expect(await stored()).toBe(BUILTIN_RULES.length);
  });

  it('creates a rule, never shows its webhook secret again, and records the change without it', async () => {
    let created: AlertRuleView | undefined;
    const entries = await newActivity(t, async () => {
      const response = await t.request({ method: 'POST', url: RULES, payload: validRule });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.body).not.toContain(SECRET);
      created = response.json<AlertRuleView>();
    });
    expect(created).toMatchObject({
      builtin: null,
      enabled: true,
      notify: {
        emails: ['ops@vendor.test'],
        webhook_url: 'https://hooks.vendor.test/alerts',
        webhook_secret_set: true,
      },
      condition: { ...validRule.condition, min_volume: 0 },
    });
    expect(entries.map((e) => [e.action_type, e.resource_type, e.resource_id, e.result])).toEqual([
      ['ALERT_RULE_CREATED', 'alert_rule', created!.id, 'success'],
    ]);
    expect(JSON.stringify(entries)).not.toContain(SECRET);
    for (const url of [`${RULES}/${created!.id}`, `${RULES}?limit=200`]) {
      const response = await t.request({ method: 'GET', url });
      expect(response.statusCode).toBe(200);
      expect(response.body).not.toContain(SECRET);
    }
  });

  const badBodies: [string, Record<string, unknown>, string][] = [
    ['no name', { ...validRule, name: undefined }, 'name'],
    ['an unknown severity', { ...validRule, severity: 'panic' }, 'severity'],
    ['an unknown field', { ...validRule, colour: 'red' }, 'colour'],
    ['a negative cool-down', { ...validRule, cooldown_minutes: -1 }, 'cooldown_minutes'],
    ['an email that is not one', { ...validRule, notify: { emails: ['not-an-email'] } }, 'notify.emails.0'],
    [
      'a webhook that is not http(s)',
      { ...validRule, notify: { webhook_url: 'ftp://x.test/', webhook_secret: SECRET } },
      'notify.webhook_url',
    ],
    [
      'a webhook without a secret',
      { ...validRule, notify: { webhook_url: 'https://x.test/' } },
      'notify.webhook_secret',
    ],
    [
      'a webhook URL with a password in it',
      { ...validRule, notify: { webhook_url: 'https://user:pw-canary@x.test/', webhook_secret: SECRET } },
      'notify.webhook_url',
    ],
    [
      'a short webhook secret',
      { ...validRule, notify: { webhook_url: 'https://x.test/', webhook_secret: 'short' } },
      'notify.webhook_secret',
    ],
    ['no condition', { ...validRule, condition: undefined }, 'condition'],
    ['an unknown condition type', { ...validRule, condition: { type: 'cpu' } }, 'condition.type'],
    [
      'a rate over 1',
      {
        ...validRule,
        condition: { type: 'auth_failure_rate', window_minutes: 5, threshold: 2, min_volume: 1 },
      },
      'condition.threshold',
    ],
    [
      'a window of zero',
      { ...validRule, condition: { ...validRule.condition, window_minutes: 0 } },
      'condition.window_minutes',
    ],
    [
      'an unknown filter',
      { ...validRule, condition: { ...validRule.condition, filters: { tenant: 'x' } } },
      'condition.filters.tenant',
    ],
    [
      'a rate grouped by address',
      { ...validRule, condition: { ...validRule.condition, metric: 'rate', threshold: 0.5 } },
      'condition.metric',
    ],
  ];
  const badCases = badBodies.map(([name, payload, field]) => ({ name, payload, field }));
  it.each(badCases)('refuses $name with a 422 naming $field, storing nothing', async ({ payload, field }) => {
    const before = await stored();
    let body = '';
    const entries = await newActivity(t, async () => {
      const response = await t.request({ method: 'POST', url: RULES, payload });
      expect(response.statusCode, response.body).toBe(422);
      body = response.body;
    });
    const error = JSON.parse(body).error;
    expect(error.code).toBe('ERR_VALIDATION');
    expect(error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect(body).not.toContain(SECRET);
    expect(await stored()).toBe(before);
    // The refusal is on record, without the secret or the URL's password.
    expect(entries.map((e) => [e.action_type, e.result, e.error_code])).toEqual([
      ['ALERT_RULE_CREATED', 'failure', 'ERR_VALIDATION'],
    ]);
    expect(JSON.stringify(entries)).not.toContain(SECRET);
    expect(JSON.stringify(entries)).not.toContain('pw-canary');
  });

  it('updates a built-in rule’s thresholds, keeps its kind, and records before and after', async () => {
    const { auth_failure_rate: rule } = await builtinRules(t);
    const entries = await newActivity(t, async () => {
      const response = await t.request({
        method: 'PATCH',
        url: `${RULES}/${rule!.id}`,
        payload: { condition: { threshold: 0.2 }, cooldown_minutes: 45, severity: 'warning' },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        severity: 'warning',
        cooldown_minutes: 45,
        condition: { type: 'auth_failure_rate', window_minutes: 5, threshold: 0.2, min_volume: 100 },
      });
    });
    expect(entries.map((e) => e.action_type)).toEqual(['ALERT_RULE_UPDATED']);
    expect(detailsOf(entries[0]!).changes).toMatchObject({
      'condition.threshold': { before: 0.1, after: 0.2 },
      cooldown_minutes: { before: 30, after: 45 },
      severity: { before: 'critical', after: 'warning' },
    });
  });

  it.each([
    ['a change of kind', { condition: { type: 'log_pipeline' } }, 'condition.type'],
    ['a bad threshold', { condition: { threshold: -1 } }, 'condition.threshold'],
    ['an unknown condition field', { condition: { colour: 1 } }, 'condition.colour'],
    ['an empty body', {}, '(root)'],
    ['a webhook without a secret', { notify: { webhook_url: 'https://x.test/' } }, 'notify.webhook_secret'],
  ])('refuses an update with %s (422, nothing changed)', async (_name, payload, field) => {
    const { brute_force_ip: rule } = await builtinRules(t);
    const response = await t.request({ method: 'PATCH', url: `${RULES}/${rule!.id}`, payload });
    expect(response.statusCode, response.body).toBe(422);
    expect(response.json().error.details.map((d: { field: string }) => d.field)).toContain(field);
    expect((await builtinRules(t)).brute_force_ip).toEqual(rule);
  });

  it('a built-in rule cannot be deleted (409), a custom one can; unknown ids are 404', async () => {
    const { storage_growth: builtin } = await builtinRules(t);
    const refused = await t.request({ method: 'DELETE', url: `${RULES}/${builtin!.id}` });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error.code).toBe('ERR_ALERT_RULE_BUILTIN');
    expect((await builtinRules(t)).storage_growth).toEqual(builtin);

    const created = (
      await t.request({ method: 'POST', url: RULES, payload: validRule })
    ).json<AlertRuleView>();
    const entries = await newActivity(t, async () => {
      expect((await t.request({ method: 'DELETE', url: `${RULES}/${created.id}` })).statusCode).toBe(204);
    });
    expect(entries.map((e) => [e.action_type, e.resource_id])).toEqual([['ALERT_RULE_DELETED', created.id]]);
    expect(JSON.stringify(entries)).not.toContain(SECRET);
    expect((await t.request({ method: 'GET', url: `${RULES}/${created.id}` })).statusCode).toBe(404);
    expect((await t.request({ method: 'DELETE', url: `${RULES}/${created.id}` })).statusCode).toBe(404);
    const malformed = await t.request({ method: 'GET', url: `${RULES}/rule_1` });
    expect(malformed.statusCode).toBe(422);
  });

  it('disabling a rule stops it firing and resolves what it had open; enabling brings it back', async () => {
    const { blocked_spike: rule } = await builtinRules(t);
    const start = '2024-06-01T10:00:00.000Z';
    const blocked = spread<{ at: string; reason: string; ip: string }>(
      start,
      '2024-06-01T10:10:00.000Z',
      200,
      (at) => ({
        at,
        reason: 'RATE_LIMIT_EXCEEDED',
        ip: '192.0.2.50',
      }),
    );
    await seedRequestLogs(t.services.core.db, [], blocked);
    await evaluateAt(t, '2024-06-01T10:03:00.000Z');
    const firing = (await listAlerts(t, `&rule_id=${rule!.id}&state=firing`)) as AlertView[];
    expect(firing).toHaveLength(1);

    const entries = await newActivity(t, async () => {
      const response = await t.request({ method: 'POST', url: `${RULES}/${rule!.id}/disable` });
      expect(response.statusCode).toBe(200);
      expect(response.json().enabled).toBe(false);
    });
    expect(entries.map((e) => e.action_type)).toEqual(['ALERT_RULE_UPDATED']);
    expect(detailsOf(entries[0]!).changes).toEqual({ enabled: { before: true, after: false } });
    expect(await listAlerts(t, `&rule_id=${rule!.id}&state=firing`)).toEqual([]);
    await evaluateAt(t, '2024-06-01T10:05:00.000Z');
    expect(await listAlerts(t, `&rule_id=${rule!.id}&state=firing`)).toEqual([]);

    expect((await t.request({ method: 'POST', url: `${RULES}/${rule!.id}/enable` })).json().enabled).toBe(
      true,
    );
    // Within the cool-down of the first alert: still quiet.
    const report = await evaluateAt(t, '2024-06-01T10:06:00.000Z');
    expect(report.cooling_down).toBeGreaterThan(0);
    expect(await listAlerts(t, `&rule_id=${rule!.id}&state=firing`)).toEqual([]);
  });

  it('an alert is acknowledged once, on record; it still resolves by itself', async () => {
    const [alert] = await listAlerts(t);
    const url = `/api/v1/alerts/${alert!.id}/acknowledge`;
    const entries = await newActivity(t, async () => {
      const response = await t.request({ method: 'POST', url });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({
        id: alert!.id,
        acknowledged_by: 'test owner',
        acknowledged_at: t.clock.now().toISOString(),
      });
    });
    expect(entries.map((e) => [e.action_type, e.resource_type, e.resource_id, e.result])).toEqual([
      ['ALERT_ACKNOWLEDGED', 'alert', alert!.id, 'success'],
    ]);
    const again = await t.request({ method: 'POST', url });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ERR_CONFLICT');
    const unknown = await t.request({
      method: 'POST',
      url: '/api/v1/alerts/alert_01jzzzzzzzzzzzzzzzzzzzzzzz/acknowledge',
    });
    expect(unknown.statusCode).toBe(404);
    const admin = await keyWithRole(t, 'admin');
    expect((await t.request({ method: 'POST', url, key: admin })).statusCode).toBe(403);
  });

  it('lists fired alerts with filters and keyset pagination; refuses bad filters', async () => {
    const all = await listAlerts(t);
    expect(all.length).toBeGreaterThan(0);
    const first = await t.request({ method: 'GET', url: '/api/v1/alerts?limit=1' });
    const page = first.json<{ data: AlertView[]; next_cursor: string | null }>();
    expect(page.data).toEqual([all[0]]);
    if (all.length > 1) {
      expect(page.next_cursor).not.toBeNull();
      const second = await t.request({
        method: 'GET',
        url: `/api/v1/alerts?limit=1&cursor=${page.next_cursor}`,
      });
      expect(second.json().data).toEqual([all[1]]);
    }
    expect(await listAlerts(t, '&severity=info')).toEqual([]);
    expect(await listAlerts(t, '&state=resolved')).toEqual(all.filter((a) => a.state === 'resolved'));
    expect(await listAlerts(t, '&from=2024-06-01T10:03:00.000Z&to=2024-06-01T10:03:00.001Z')).toEqual(
      all.filter((a) => a.started_at === '2024-06-01T10:03:00.000Z'),
    );
    for (const query of [
      'state=open',
      'severity=fatal',
      'from=yesterday',
      'cursor=nope',
      'rule_id=rule_x',
      'limit=0',
      'colour=red',
      'from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z',
    ]) {
      const response = await t.request({ method: 'GET', url: `/api/v1/alerts?${query}` });
      expect(response.statusCode, query).toBe(422);
    }
    expect(
      (await t.request({ method: 'GET', url: '/api/v1/alerts/alert_01jzzzzzzzzzzzzzzzzzzzzzzz' })).statusCode,
    ).toBe(404);
  });

  it('without SMTP an email notification is recorded as not sent; a webhook that cannot be reached as failed', async () => {
    const response = await t.request({
      method: 'POST',
      url: RULES,
      payload: {
        name: 'Any geo block',
        severity: 'info',
        condition: {
          type: 'custom',
          log: 'blocked',
          filters: { block_reason: 'GEO_BLOCKED' },
          window_minutes: 5,
          threshold: 1,
        },
        notify: {
          emails: ['ops@vendor.test'],
          webhook_url: `http://127.0.0.1:${await closedPort()}/hook`,
          webhook_secret: SECRET,
        },
      },
    });
    const rule = response.json<AlertRuleView>();
    await seedRequestLogs(
      t.services.core.db,
      [],
      [{ at: '2024-07-01T08:00:00.000Z', reason: 'GEO_BLOCKED', ip: '192.0.2.1' }],
    );
    const report = await evaluateAt(t, '2024-07-01T08:01:00.000Z');
    expect(report.failed_rules).toEqual([]);
    const [alert] = await listAlerts(t, `&rule_id=${rule.id}`);
    const detail = await t.request({ method: 'GET', url: `/api/v1/alerts/${alert!.id}` });
    const notifications = detail.json<AlertView>().notifications!;
    expect(notifications.map((n) => [n.channel, n.status])).toEqual([
      ['email', 'not_sent'],
      ['webhook', 'failed'],
    ]);
    expect(notifications[0]!.error).toBe('No SMTP server is configured (KM_SMTP_URL).');
    expect(notifications[1]!.attempts).toBe(4);
    expect(notifications[1]!.error).toMatch(/^connection failed: ECONNREFUSED$/);
    expect(detail.body).not.toContain(SECRET);
  });

  it('reading alerts needs logs:read, reading rules settings:read, changing them settings:write', async () => {
    const security = await keyWithRole(t, 'security');
    const admin = await keyWithRole(t, 'admin');
    expect((await t.request({ method: 'GET', url: '/api/v1/alerts', key: security })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: RULES, key: admin })).statusCode).toBe(200);
    expect((await t.request({ method: 'GET', url: '/api/v1/alerts', key: admin })).statusCode).toBe(403);
    const viewer = await keyWithRole(t, 'viewer');
    expect(
      (await t.request({ method: 'POST', url: RULES, key: viewer, payload: validRule })).statusCode,
    ).toBe(403);
  });
});
