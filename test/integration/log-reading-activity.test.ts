import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyWithRole } from '../helpers/access.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

describe.each(DIALECTS)('reading the logs is itself activity on %s', (dialect) => {
  let t: TestContext;
  let securityKey: string;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    securityKey = await keyWithRole(t, 'security');
  });
  afterAll(() => t.close());

  it('records a search with the log and the filters used', async () => {
    const from = '2026-01-01T00:00:00.000Z';
    const entries = await newActivity(t, async () => {
      const response = await t.request({
        method: 'GET',
        url: `/api/v1/logs/blocked?from=${from}`,
        key: securityKey,
      });
      expect(response.statusCode).toBe(200);
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action_type: 'LOGS_SEARCHED',
      resource_type: 'logs',
      resource: 'blocked log',
      result: 'success',
      admin_user: 'security key',
      actor_type: 'api_key',
    });
    expect(detailsOf(entries[0]!)).toMatchObject({ log: 'blocked', filters: { from } });
  });

  it('records an export as such', async () => {
    const entries = await newActivity(t, async () => {
      const response = await t.request({
        method: 'GET',
        url: '/api/v1/logs/failed-api-calls?format=ndjson',
        key: securityKey,
      });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('application/x-ndjson');
    });
    expect(entries.map((e) => [e.action_type, e.resource, e.result])).toEqual([
      ['LOGS_EXPORTED', 'failed-api-calls log', 'success'],
    ]);
  });

  it('records a refused attempt to read the logs as a failure', async () => {
    const adminRoleKey = await keyWithRole(t, 'admin');
    const entries = await newActivity(t, async () => {
      const response = await t.request({ method: 'GET', url: '/api/v1/logs/api-calls', key: adminRoleKey });
      expect(response.statusCode).toBe(403);
    });
    expect(entries.map((e) => [e.action_type, e.result, e.error_code])).toEqual([
      ['LOGS_SEARCHED', 'failure', 'ERR_INSUFFICIENT_SCOPE'],
    ]);
  });
});
