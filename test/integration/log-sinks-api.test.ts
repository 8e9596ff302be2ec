import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { DIALECTS } from '../helpers/database.js';
import type { LogEntry } from '../helpers/request-logs.js';

const SECRET = 'whsec_canary_7f3a9c2e51d84b06';
const HEC_TOKEN = 'hec-canary-0b1c2d3e4f5a6b7c';

const webhook = (extra: Record<string, unknown> = {}) => ({
  type: 'webhook',
  url: 'https://siem.example.com/hooks/keymanager',
  logs: ['activity', 'blocked'],
  secret: SECRET,
  ...extra,
});

describe.each(DIALECTS)('log sinks API on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  const create = (payload: object) => t.request({ method: 'POST', url: '/api/v1/log-sinks', payload });
  const countSinks = async () =>
    (await t.request({ method: 'GET', url: '/api/v1/log-sinks?limit=100' })).json().data.length as number;

  it('creates, shows, lists, updates and deletes a sink, each change an activity entry', async () => {
    let created: LogEntry = {};
    const entries = await newActivity(t, async () => {
      const response = await create(
        webhook({ filters: { block_reasons: ['SQL_INJECTION_ATTEMPT'], min_threat_score: 50 } }),
      );
      expect(response.statusCode).toBe(201);
      created = response.json();
    });
    expect(created).toMatchObject({
      type: 'webhook',
      url: 'https://siem.example.com/hooks/keymanager',
      logs: ['activity', 'blocked'],
      filters: { block_reasons: ['SQL_INJECTION_ATTEMPT'], min_threat_score: 50 },
      format: 'json',
      secret: `****${SECRET.slice(-4)}`,
      enabled: true,
      health: { state: 'active', delivered: 0, retried: 0, last_error: null },
    });
    expect(created.id).toMatch(/^snk_[0-9a-z]{26}$/);
    expect(entries.map((e) => [e.action_type, e.resource_type, e.resource_id, e.result])).toEqual([
      ['LOG_SINK_CREATED', 'log_sink', created.id, 'success'],
    ]);
    expect(detailsOf(entries[0]!)).toMatchObject({ type: 'webhook', credential: 'set' });

    const shown = (await t.request({ method: 'GET', url: `/api/v1/log-sinks/${created.id}` })).json();
    expect(shown.secret).toBe(`****${SECRET.slice(-4)}`);
    const listed = (await t.request({ method: 'GET', url: '/api/v1/log-sinks' })).json();
    expect(listed.data.map((s: { id: string }) => s.id)).toContain(created.id);

    const updates = await newActivity(t, async () => {
      const response = await t.request({
        method: 'PATCH',
        url: `/api/v1/log-sinks/${created.id}`,
        payload: { logs: ['failed-api-calls'], filters: { status_classes: ['5xx'] }, enabled: false },
      });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toMatchObject({ logs: ['failed-api-calls'], enabled: false });
    });
    expect(updates.map((e) => e.action_type)).toEqual(['LOG_SINK_UPDATED']);
    expect(detailsOf(updates[0]!)).toMatchObject({
      changes: {
        logs: { from: ['activity', 'blocked'], to: ['failed-api-calls'] },
        enabled: { from: true, to: false },
      },
    });

    const deletes = await newActivity(t, async () => {
      expect((await t.request({ method: 'DELETE', url: `/api/v1/log-sinks/${created.id}` })).statusCode).toBe(
        204,
      );
    });
    expect(deletes.map((e) => e.action_type)).toEqual(['LOG_SINK_DELETED']);
    expect((await t.request({ method: 'GET', url: `/api/v1/log-sinks/${created.id}` })).statusCode).toBe(404);
  });

  it.each([
    ['an unknown type', { ...webhook(), type: 'kafka' }, 'type'],
    ['no logs', webhook({ logs: [] }), 'logs'],
    ['an unknown log', webhook({ logs: ['debug'] }), 'logs.0'],
    ['a webhook on tcp', webhook({ url: 'tcp://siem.example.com:514' }), 'url'],
    ['a syslog sink on https', { type: 'syslog', url: 'https://siem.example.com', logs: ['blocked'] }, 'url'],
    [
      'a syslog URL without a port',
      { type: 'syslog', url: 'tcp://siem.example.com', logs: ['blocked'] },
      'url',
    ],
    ['a relative URL', webhook({ url: '/hooks' }), 'url'],
    ['credentials in the URL', webhook({ url: 'https://user:pw@siem.example.com/' }), 'url'],
    ['a token in the query', webhook({ url: 'https://siem.example.com/h?token=abc' }), 'url'],
    [
      'an elasticsearch URL without _bulk',
      { type: 'elasticsearch', url: 'https://es.example.com:9200/logs', logs: ['blocked'] },
      'url',
    ],
    ['a webhook without its secret', webhook({ secret: undefined }), 'secret'],
    [
      'a splunk sink without its token',
      {
        type: 'splunk-hec',
        url: 'https://splunk.example.com:8088/services/collector/event',
        logs: ['blocked'],
      },
      'secret',
    ],
    [
      'a secret for syslog',
      { type: 'syslog', url: 'tcp://siem.example.com:514', logs: ['blocked'], secret: SECRET },
      'secret',
    ],
    ['a short secret', webhook({ secret: 'short' }), 'secret'],
    ['a format of another type', webhook({ format: 'cef' }), 'format'],
    [
      'an unknown format',
      { type: 'syslog', url: 'tcp://siem.example.com:514', logs: ['blocked'], format: 'leef' },
      'format',
    ],
    [
      'a filter no chosen log has',
      webhook({ filters: { status_classes: ['5xx'] } }),
      'filters.status_classes',
    ],
    ['an unknown filter', webhook({ filters: { severity: 'high' } }), 'filters'],
    [
      'a threat score out of range',
      webhook({ filters: { min_threat_score: 101 } }),
      'filters.min_threat_score',
    ],
    [
      'an unknown block reason',
      webhook({ filters: { block_reasons: ['BAD_VIBES'] } }),
      'filters.block_reasons.0',
    ],
    ['an unknown field', webhook({ batch: 10 }), ''],
  ])('refuses %s with 422 and stores nothing', async (_name, payload, field) => {
    const before = await countSinks();
    const response = await create(payload);
    expect(response.statusCode).toBe(422);
    const body = response.json();
    expect(body.error.code).toBe('ERR_VALIDATION');
    expect(JSON.stringify(body.error.details)).toContain(field);
    expect(JSON.stringify(body)).not.toContain(SECRET);
    expect(await countSinks()).toBe(before);
  });

  it('refuses a bad update with 422 and leaves the sink as it was', async () => {
    const sink = (await create(webhook())).json();
    for (const payload of [{ url: 'tcp://siem.example.com:514' }, { secret: null }, { type: 'syslog' }, {}]) {
      const response = await t.request({ method: 'PATCH', url: `/api/v1/log-sinks/${sink.id}`, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(422);
    }
    const after = (await t.request({ method: 'GET', url: `/api/v1/log-sinks/${sink.id}` })).json();
    expect({ ...after, health: null }).toEqual({ ...sink, health: null });
  });

  it('never shows a secret again: responses, activity entries and errors hold only the mask', async () => {
    const texts: string[] = [];
    const entries = await newActivity(t, async () => {
      const hec = await create({
        type: 'splunk-hec',
        url: 'https://splunk.example.com:8088/services/collector/event',
        logs: ['api-calls'],
        secret: HEC_TOKEN,
      });
      texts.push(hec.body);
      const id = hec.json().id as string;
      texts.push((await t.request({ method: 'GET', url: `/api/v1/log-sinks/${id}` })).body);
      texts.push((await t.request({ method: 'GET', url: '/api/v1/log-sinks' })).body);
      const replaced = await t.request({
        method: 'PATCH',
        url: `/api/v1/log-sinks/${id}`,
        payload: { secret: `${HEC_TOKEN}-2` },
      });
      texts.push(replaced.body);
      expect(replaced.json().secret).toBe('****c-2'.replace('c-2', `${HEC_TOKEN}-2`.slice(-4)));
      // A refused change naming the secret must not repeat it.
      texts.push(
        (
          await t.request({
            method: 'PATCH',
            url: `/api/v1/log-sinks/${id}`,
            payload: { secret: HEC_TOKEN, url: 'x' },
          })
        ).body,
      );
      // The test delivery fails (nothing listens there) and says why without the token.
      const tested = await t.request({ method: 'POST', url: `/api/v1/log-sinks/${id}/test` });
      texts.push(tested.body);
      expect(tested.json().ok).toBe(false);
      texts.push((await t.request({ method: 'DELETE', url: `/api/v1/log-sinks/${id}` })).body);
    });
    expect(entries.length).toBeGreaterThanOrEqual(5);
    texts.push(JSON.stringify(entries));
    const metrics = await t.request({ method: 'GET', url: '/metrics' });
    texts.push(metrics.body);
    for (const text of texts) {
      expect(text).not.toContain(HEC_TOKEN);
      expect(text).not.toContain(HEC_TOKEN.slice(0, 12));
    }
  });

  it('answers 404 for an unknown sink and 409 when resuming a sink that delivers', async () => {
    const missing = 'snk_01jzzzzzzzzzzzzzzzzzzzzzzz';
    expect((await t.request({ method: 'GET', url: `/api/v1/log-sinks/${missing}` })).statusCode).toBe(404);
    expect((await t.request({ method: 'POST', url: `/api/v1/log-sinks/${missing}/resume` })).statusCode).toBe(
      404,
    );
    const sink = (await create(webhook())).json();
    const resumed = await t.request({ method: 'POST', url: `/api/v1/log-sinks/${sink.id}/resume` });
    expect(resumed.statusCode).toBe(409);
    expect(resumed.json().error.code).toBe('ERR_CONFLICT');
  });
});
