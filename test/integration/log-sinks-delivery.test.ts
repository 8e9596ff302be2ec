import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { createLogIdGenerator } from '../../src/logging/log-entry.js';
import { createSinkRepository } from '../../src/logging/sinks/sink.repository.js';
import type { SinkLog } from '../../src/logging/sinks/sink-types.js';
import { verifySignature } from '../../src/shared/hmac-signature.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import type { LogEntry } from '../helpers/request-logs.js';
import { startHttpReceiver, type HttpReceiver, type ReceivedRequest } from '../helpers/sink-receivers.js';
import { storedEntries, testDeliveryJob, writeLoad } from '../helpers/sink-load.js';

const SECRET = 'whsec_delivery_canary_5e8f01ab';
const MINUTE = 60_000;
const VALIDATE = '/api/v1/licenses/validate';

/** Every entry the receiver got from webhook batches, in order of receipt (duplicates kept). */
function webhookEntries(received: ReceivedRequest[]): LogEntry[] {
  return received.flatMap((request) => (JSON.parse(request.body) as { entries: LogEntry[] }).entries);
}

/** Per log: the positions received, first receipts only, and how many arrived twice. */
function byLog(entries: LogEntry[]) {
  const seen = new Set<string>();
  const firsts = new Map<string, number[]>();
  let duplicates = 0;
  for (const entry of entries) {
    if (seen.has(entry.id)) {
      duplicates++;
      continue;
    }
    seen.add(entry.id);
    firsts.set(entry.log, [...(firsts.get(entry.log) ?? []), entry.seq]);
  }
  return { firsts, duplicates, ids: seen };
}

describe.each(DIALECTS)('log sink delivery on %s', (dialect) => {
  let t: TestContext;
  let receiver: HttpReceiver;
  beforeAll(async () => {
    receiver = await startHttpReceiver();
  });
  afterAll(() => receiver.close());
  beforeEach(async () => {
    t = await createTestApp(dialect, (config) => {
      config.logSinks.deadLetterMinutes = 30;
      config.logSinks.intervalMs = 50;
    });
    receiver.received.length = 0;
    receiver.answer(200);
  });
  afterEach(() => t.close());

  const createSink = async (payload: Record<string, unknown>) => {
    const response = await t.request({ method: 'POST', url: '/api/v1/log-sinks', payload });
    expect(response.statusCode, response.body).toBe(201);
    return response.json() as LogEntry;
  };
  // Read through the service: a request to the API would itself be a new API-call entry to deliver.
  const health = async (id: string) =>
    JSON.parse(JSON.stringify((await t.services.logSinks.service.get(id)).health)) as LogEntry;
  // The licence API's entries only: the admin requests these tests make are API calls too.
  const webhookSink = (path: string) =>
    createSink({
      type: 'webhook',
      url: `${receiver.url}${path}`,
      logs: ['api-calls', 'failed-api-calls', 'blocked'],
      filters: { endpoints: [VALIDATE] },
      secret: SECRET,
    });
  /** The stored entries the sinks above receive, in chain order. */
  const expectedEntries = async (log: SinkLog) =>
    (await storedEntries(t, log)).filter((entry) => log === 'blocked' || entry.fields.endpoint === VALIDATE);

  it('sends signed JSON batches whose entries carry their log, position and id', async () => {
    const sink = await webhookSink('/hooks');
    const ids = await writeLoad(t, 30);
    await testDeliveryJob(t).runOnce();
    expect(receiver.received.length).toBeGreaterThan(0);
    for (const request of receiver.received) {
      expect(request.headers['content-type']).toBe('application/json');
      const ok = verifySignature(
        SECRET,
        request.body,
        request.headers['keymanager-signature'] as string,
        request.headers['keymanager-timestamp'] as string,
        t.clock.now(),
      );
      expect(ok).toBe(true);
      expect(
        verifySignature(
          'another-secret-entirely',
          request.body,
          request.headers['keymanager-signature'] as string,
          request.headers['keymanager-timestamp'] as string,
          t.clock.now(),
        ),
      ).toBe(false);
      expect(JSON.parse(request.body).sink_id).toBe(sink.id);
    }
    const entries = webhookEntries(receiver.received);
    expect(new Set(entries.map((e) => e.id))).toEqual(new Set(ids));
    const blocked = entries.find((e) => e.log === 'blocked')!;
    expect(blocked).toMatchObject({ block_reason: 'RATE_LIMIT_EXCEEDED', threat_score: 40, method: 'GET' });
    const failed = entries.find((e) => e.log === 'failed-api-calls')!;
    expect(failed).toMatchObject({
      status: 503,
      error_code: 'ERR_NOT_FOUND',
      endpoint: '/api/v1/licenses/validate',
    });
    expect(failed.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(await health(sink.id)).toMatchObject({
      state: 'active',
      lag_entries: 0,
      delivered: 30,
      retried: 0,
    });
  });

  it('forwards on its own once the server starts the job', async () => {
    await webhookSink('/timer');
    t.services.logSinks.job.start();
    const ids = await writeLoad(t, 25);
    for (let i = 0; i < 100 && webhookEntries(receiver.received).length < ids.length; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await t.services.logSinks.job.stop();
    expect(webhookEntries(receiver.received).map((e) => e.id)).toEqual(expect.arrayContaining(ids));
  });

  it('applies the filters and still moves past what they leave out', async () => {
    const sink = await createSink({
      type: 'webhook',
      url: `${receiver.url}/filtered`,
      logs: ['failed-api-calls', 'blocked'],
      secret: SECRET,
      filters: { status_classes: ['5xx'], endpoints: [VALIDATE], min_threat_score: 50 },
    });
    await writeLoad(t, 50);
    await testDeliveryJob(t).runOnce();
    const entries = webhookEntries(receiver.received);
    // Blocked entries score 40, below the filter; every failed call here (every fifth) is a 503.
    expect(entries.length).toBe(10);
    expect(entries.every((e) => e.log === 'failed-api-calls' && e.status === 503)).toBe(true);
    expect(await health(sink.id)).toMatchObject({ lag_entries: 0, delivered: 10 });
  });

  it('delivers an entry committed after a newer id was already delivered (the cursor is the chain position)', async () => {
    await webhookSink('/late');
    const nextId = createLogIdGenerator(t.clock);
    const early = nextId();
    t.clock.advance(1000);
    const later = await writeLoad(t, 5, nextId);
    await testDeliveryJob(t).runOnce();
    expect(webhookEntries(receiver.received).map((e) => e.id)).toEqual(expect.arrayContaining(later));
    // The request that took `early` is recorded only now, as a spool replayed after an outage would be.
    const { apiCallRecord } = await import('../helpers/log-chain.js');
    t.services.requestLogs.pipeline.append(apiCallRecord(early, 200));
    await t.services.requestLogs.flush();
    await testDeliveryJob(t).runOnce();
    expect(webhookEntries(receiver.received).map((e) => e.id)).toContain(early);
  });

  it('gets every entry to a receiver that was down for ten minutes under load, in order, without a gap', async () => {
    const sink = await webhookSink('/outage');
    const job = testDeliveryJob(t);
    receiver.answer(503);
    const written: string[] = [];
    // Ten minutes of traffic, 150 entries every 30 s, while every delivery fails.
    for (let step = 0; step < 20; step++) {
      written.push(...(await writeLoad(t, 150)));
      await job.runOnce();
      t.clock.advance(30_000);
    }
    const down = await health(sink.id);
    expect(down).toMatchObject({ state: 'retrying', last_error: 'the receiver answered HTTP 503' });
    // The lag counts positions, also those the filter will pass over (the request creating the sink).
    expect(down.lag_entries).toBe(3001);
    expect(down.lag_seconds).toBeGreaterThanOrEqual(590);
    expect(down.retried).toBeGreaterThan(1);
    expect(receiver.received).toEqual([]);
    receiver.answer(200);
    // The next attempt is at most the longest backoff away.
    t.clock.advance(5 * MINUTE);
    for (let run = 0; run < 10 && (await health(sink.id)).lag_entries > 0; run++) await job.runOnce();
    const entries = webhookEntries(receiver.received);
    const { firsts, ids } = byLog(entries);
    expect(ids).toEqual(new Set(written));
    for (const log of ['api-calls', 'failed-api-calls', 'blocked'] as const) {
      // Every position of the log in order, each once at its first receipt (the filter's gaps aside).
      const expected = (await expectedEntries(log)).map((entry) => entry.seq);
      expect(firsts.get(log), log).toEqual(expected);
      expect(expected.length, log).toBeGreaterThan(200);
    }
    expect(await health(sink.id)).toMatchObject({
      state: 'active',
      lag_entries: 0,
      lag_seconds: 0,
      delivered: 3000,
    });
    const metrics = (await t.request({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(`keymanager_log_sink_delivered_entries{sink="${sink.id}",type="webhook"} 3000`);
    expect(metrics).toContain(`keymanager_log_sink_lag_entries{sink="${sink.id}",type="webhook"} 0`);
    expect(metrics).toContain(`keymanager_log_sink_state{sink="${sink.id}",type="webhook",state="active"} 1`);
  });

  it('dead-letters a sink failing for the configured time and delivers everything once resumed', async () => {
    const sink = await webhookSink('/dead');
    const job = testDeliveryJob(t);
    receiver.answer(503);
    const written = await writeLoad(t, 40);
    for (let step = 0; step < 40 && (await health(sink.id)).state !== 'dead_letter'; step++) {
      await job.runOnce();
      t.clock.advance(MINUTE);
    }
    const dead = await health(sink.id);
    expect(dead.state).toBe('dead_letter');
    expect(Date.parse(t.clock.now().toISOString()) - Date.parse(dead.failing_since)).toBeGreaterThanOrEqual(
      30 * MINUTE,
    );
    receiver.answer(200);
    t.clock.advance(60 * MINUTE);
    await job.runOnce();
    expect(receiver.received).toEqual([]);
    const metrics = (await t.request({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toContain(
      `keymanager_log_sink_state{sink="${sink.id}",type="webhook",state="dead_letter"} 1`,
    );
    const resumed = await t.request({ method: 'POST', url: `/api/v1/log-sinks/${sink.id}/resume` });
    expect(resumed.statusCode).toBe(200);
    expect(resumed.json().health.state).toBe('active');
    await job.runOnce();
    expect(new Set(webhookEntries(receiver.received).map((e) => e.id))).toEqual(new Set(written));
  });

  it('two processes sharing the store deliver each batch once', async () => {
    const sink = await webhookSink('/shared');
    // On PostgreSQL the second job has a connection pool of its own, as another server process would;
    // the SQLite test store lives in one connection, so there both jobs share it.
    const other = dialect === 'postgres' ? openDatabase(t.services.core.config.database) : null;
    try {
      const db = other?.db ?? t.services.core.db;
      const jobs = [
        testDeliveryJob(t, { batchesPerRun: 1 }),
        testDeliveryJob(t, { db, repository: createSinkRepository(db), batchesPerRun: 1 }),
      ];
      const written = await writeLoad(t, 1000);
      for (let round = 0; round < 30 && (await health(sink.id)).lag_entries > 0; round++) {
        await Promise.all(jobs.map((job) => job.runOnce()));
      }
      const { ids, duplicates } = byLog(webhookEntries(receiver.received));
      expect(ids).toEqual(new Set(written));
      expect(duplicates).toBe(0);
    } finally {
      await other?.destroy();
    }
  });

  it('speaks the Splunk HEC, Elasticsearch bulk and OTLP/HTTP JSON formats', async () => {
    const token = 'hec-token-canary-1234567890';
    await createSink({
      type: 'splunk-hec',
      url: `${receiver.url}/services/collector/event`,
      logs: ['blocked'],
      secret: token,
    });
    await createSink({ type: 'elasticsearch', url: `${receiver.url}/keymanager/_bulk`, logs: ['blocked'] });
    await createSink({ type: 'otlp', url: `${receiver.url}/v1/logs`, logs: ['blocked'] });
    const ids = await writeLoad(t, 20);
    const blockedIds = ids.filter((_, i) => i % 10 === 9);
    await testDeliveryJob(t).runOnce();
    const at = (path: string) => receiver.received.filter((r) => r.url === path);

    const [hec] = at('/services/collector/event');
    expect(hec!.headers.authorization).toBe(`Splunk ${token}`);
    const events = hec!.body.split('\n').map((line) => JSON.parse(line));
    expect(events.map((e) => e.event.id)).toEqual(blockedIds);
    expect(events[0]).toMatchObject({
      source: 'keymanager',
      sourcetype: 'keymanager:blocked',
      event: { log: 'blocked' },
    });
    expect(events[0].time).toBeCloseTo(Date.parse(events[0].event.timestamp) / 1000, 3);

    const [bulk] = at('/keymanager/_bulk');
    expect(bulk!.headers['content-type']).toBe('application/x-ndjson');
    const lines = bulk!.body
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.length).toBe(blockedIds.length * 2);
    expect(lines.filter((_, i) => i % 2 === 0)).toEqual(blockedIds.map((id) => ({ index: { _id: id } })));
    expect(lines[1]).toMatchObject({ '@timestamp': lines[1].timestamp, id: blockedIds[0], log: 'blocked' });

    const [otlp] = at('/v1/logs');
    const request = JSON.parse(otlp!.body);
    const resource = request.resourceLogs[0].resource.attributes;
    expect(resource).toContainEqual({ key: 'service.name', value: { stringValue: 'keymanager' } });
    const records = request.resourceLogs[0].scopeLogs[0].logRecords;
    expect(
      records.map(
        (r: LogEntry) => r.attributes.find((a: LogEntry) => a.key === 'log.record.uid').value.stringValue,
      ),
    ).toEqual(blockedIds);
    expect(records[0]).toMatchObject({
      severityText: 'WARN',
      severityNumber: 13,
      body: { stringValue: expect.stringContaining('RATE_LIMIT_EXCEEDED') },
    });
    expect(BigInt(records[0].timeUnixNano)).toBe(BigInt(Date.parse(lines[1].timestamp)) * 1_000_000n);
  });

  it('retries a bulk batch the store partly refused', async () => {
    const sink = await createSink({
      type: 'elasticsearch',
      url: `${receiver.url}/idx/_bulk`,
      logs: ['blocked'],
    });
    await writeLoad(t, 10);
    receiver.answer(200, JSON.stringify({ errors: true, items: [{ index: { status: 429 } }] }));
    await testDeliveryJob(t).runOnce();
    expect(await health(sink.id)).toMatchObject({
      state: 'retrying',
      last_error: 'the receiver refused 1 of 1 entries',
      lag_entries: 1,
    });
  });
});
