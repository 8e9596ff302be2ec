import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOGGING_SETTINGS } from '../../src/logging/logging-settings.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { signIn } from '../helpers/access.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { errorOf } from './licensing-fixtures.js';

const URL = '/api/v1/settings/logging';

describe.each(DIALECTS)('logging settings on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  const get = async () => (await t.request({ method: 'GET', url: URL })).json<Record<string, unknown>>();
  const put = (payload: unknown) => t.request({ method: 'PUT', url: URL, payload: payload as object });

  it('starts with the contract defaults', async () => {
    expect(await get()).toEqual(DEFAULT_LOGGING_SETTINGS);
  });

  it('takes any subset, nested retention included, and answers the full settings', async () => {
    const response = await put({
      api_call_sample_rate: 0.25,
      excluded_endpoints: ['/api/v1/licenses/validate', '/api/v1/licenses/:id'],
      retention_days: { api_calls: 30 },
    });
    expect(response.statusCode, response.body).toBe(200);
    const expected = {
      ...DEFAULT_LOGGING_SETTINGS,
      api_call_sample_rate: 0.25,
      excluded_endpoints: ['/api/v1/licenses/validate', '/api/v1/licenses/:id'],
      retention_days: { ...DEFAULT_LOGGING_SETTINGS.retention_days, api_calls: 30 },
    };
    expect(response.json()).toEqual(expected);
    expect(await get()).toEqual(expected);
    // What requests consult, and what a restart loads, are the same settings.
    expect(t.services.loggingSettings.current()).toEqual(expected);
    t.services.loggingSettings.replace(DEFAULT_LOGGING_SETTINGS);
    expect(await t.services.settings.load()).toEqual(expected);
  });

  it('sets and clears the anonymization period per log, keeping the other logs', async () => {
    const set = await put({ anonymize_after_days: { api_calls: 30, blocked: 7 } });
    expect(set.statusCode, set.body).toBe(200);
    expect(set.json().anonymize_after_days).toEqual({
      activity: null,
      api_calls: 30,
      failed_api_calls: null,
      blocked: 7,
    });
    const cleared = await put({ anonymize_after_days: { api_calls: null } });
    expect(cleared.json().anonymize_after_days).toEqual({
      activity: null,
      api_calls: null,
      failed_api_calls: null,
      blocked: 7,
    });
    expect((await get()).anonymize_after_days).toMatchObject({ blocked: 7 });
    await put({ anonymize_after_days: { blocked: null } });
  });

  it('records the change with field-level before and after', async () => {
    const rows = await newActivity(t, () => put({ log_api_calls: false, retention_days: { blocked: 7 } }));
    expect(rows.map((r) => [r.action_type, r.resource_type, r.resource_id, r.result])).toEqual([
      ['SETTINGS_UPDATED', 'settings', 'logging', 'success'],
    ]);
    expect(rows[0] && detailsOf(rows[0])).toEqual({
      changes: {
        log_api_calls: { before: true, after: false },
        'retention_days.blocked': { before: 90, after: 7 },
      },
    });
  });

  const bad: [string, unknown, string][] = [
    ['a wrong type', { log_api_calls: 'yes' }, 'log_api_calls'],
    ['an unknown field', { log_everything: true }, 'log_everything'],
    ['a sample rate of 0', { api_call_sample_rate: 0 }, 'api_call_sample_rate'],
    ['a sample rate of 1.5', { api_call_sample_rate: 1.5 }, 'api_call_sample_rate'],
    ['a negative retention', { retention_days: { activity: -1 } }, 'retention_days.activity'],
    ['a fractional retention', { retention_days: { activity: 1.5 } }, 'retention_days.activity'],
    ['a retention over ten years', { retention_days: { activity: 3651 } }, 'retention_days.activity'],
    ['an unknown nested field', { retention_days: { forever: 1 } }, 'retention_days.forever'],
    [
      'anonymization after 0 days',
      { anonymize_after_days: { api_calls: 0 } },
      'anonymize_after_days.api_calls',
    ],
    [
      'anonymization after 3651 days',
      { anonymize_after_days: { blocked: 3651 } },
      'anonymize_after_days.blocked',
    ],
    ['anonymization as text', { anonymize_after_days: { activity: '30' } }, 'anonymize_after_days.activity'],
    [
      'an unknown anonymized log',
      { anonymize_after_days: { sessions: 30 } },
      'anonymize_after_days.sessions',
    ],
    ['an endpoint not starting with /', { excluded_endpoints: ['api/v1'] }, 'excluded_endpoints.0'],
    ['a repeated endpoint', { excluded_endpoints: ['/a', '/a'] }, 'excluded_endpoints'],
    [
      '101 endpoints',
      { excluded_endpoints: Array.from({ length: 101 }, (_, i) => `/e${i}`) },
      'excluded_endpoints',
    ],
  ];
  it.each(bad)('refuses %s with 422 naming the field, and changes nothing', async (_name, payload, field) => {
    const before = await get();
    // A valid field beside the bad one must not be applied either.
    const response = await put({ log_failed_api_calls: false, ...(payload as object) });
    expect(response.statusCode).toBe(422);
    expect(errorOf(response)).toMatchObject({
      code: 'ERR_VALIDATION',
      details: expect.arrayContaining([expect.objectContaining({ field })]),
    });
    expect(await get()).toEqual(before);
    expect(t.services.loggingSettings.current()).toEqual(before);
  });

  it('applies a change to the next request', async () => {
    await put({ log_dashboard_activities: false });
    const silent = await newActivity(t, () =>
      t.request({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Quiet' } }),
    );
    expect(silent).toEqual([]);
    await put({ log_dashboard_activities: true });
    const heard = await newActivity(t, () =>
      t.request({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Loud' } }),
    );
    expect(heard.map((r) => r.action_type)).toEqual(['CUSTOMER_CREATED']);
  });

  it('lets roles with settings:read read and only roles with settings:write change', async () => {
    const security = await signIn(t, 'security');
    const support = await signIn(t, 'support');
    const viewer = await signIn(t, 'viewer');
    expect((await security.request({ method: 'GET', url: URL })).statusCode).toBe(200);
    expect((await viewer.request({ method: 'GET', url: URL })).statusCode).toBe(403);
    const ok = await security.request({ method: 'PUT', url: URL, payload: { log_api_calls: true } });
    expect(ok.statusCode).toBe(200);
    const before = await get();
    const rows = await newActivity(t, async () => {
      const refused = await support.request({ method: 'PUT', url: URL, payload: { log_api_calls: false } });
      expect(refused.statusCode).toBe(403);
      expect(errorOf(refused).code).toBe('ERR_INSUFFICIENT_SCOPE');
    });
    expect(await get()).toEqual(before);
    expect(rows.map((r) => [r.action_type, r.result, r.error_code, r.admin_user])).toEqual([
      ['SETTINGS_UPDATED', 'failure', 'ERR_INSUFFICIENT_SCOPE', support.admin.email],
    ]);
  });
});
