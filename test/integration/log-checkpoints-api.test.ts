import { createPublicKey } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyId, type SignedCheckpoint } from '../../src/logging/integrity/checkpoint.js';
import { verifyCheckpointChain } from '../../src/logging/integrity/verify-checkpoints.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

describe.each(DIALECTS)('the log checkpoint routes on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    for (let i = 0; i < 3; i++) {
      await t.services.integrity!.job.runOnce();
      t.clock.advance(60_000);
    }
  });
  afterAll(() => t.close());

  it('pages through the checkpoints by log, newest first, and records each read', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const response = await t.request({
        method: 'GET',
        url: `/api/v1/logs/integrity/checkpoints?limit=5${cursor ? `&cursor=${cursor}` : ''}`,
      });
      expect(response.statusCode).toBe(200);
      const page = response.json<{ data: SignedCheckpoint[]; next_cursor: string | null }>();
      seen.push(...page.data.map((c) => `${c.log}:${c.number}`));
      cursor = page.next_cursor;
    } while (cursor);
    expect(seen).toEqual(
      ['activity', 'api_calls', 'blocked', 'failed_api_calls'].flatMap((log) =>
        [3, 2, 1].map((n) => `${log}:${n}`),
      ),
    );
    const reads = await t.services.activity.repository.list({ action_type: 'LOG_CHECKPOINTS_EXPORTED' });
    expect(reads.length).toBeGreaterThanOrEqual(3);
  });

  it('streams every checkpoint of a log as NDJSON that verifies with the public key', async () => {
    const key = await t.request({ method: 'GET', url: '/api/v1/logs/integrity/public-key' });
    expect(key.statusCode).toBe(200);
    expect(key.headers['content-type']).toMatch(/application\/x-pem-file/);
    const publicKey = createPublicKey(key.body);
    const response = await t.request({
      method: 'GET',
      url: '/api/v1/logs/integrity/checkpoints?log=blocked&format=ndjson',
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/application\/x-ndjson/);
    const checkpoints = response.body
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as SignedCheckpoint);
    expect(checkpoints.map((c) => c.number)).toEqual([3, 2, 1]);
    expect(checkpoints[0]!.key).toBe(keyId(publicKey));
    const chain = verifyCheckpointChain({
      log: 'blocked',
      checkpoints,
      publicKey,
      intervalSeconds: 60,
      fromFirst: true,
    });
    expect(chain.problems).toEqual([]);
  });

  it('filters by the time a checkpoint ends', async () => {
    const all = (
      await t.request({ method: 'GET', url: '/api/v1/logs/integrity/checkpoints?log=activity' })
    ).json<{
      data: SignedCheckpoint[];
    }>().data;
    const from = encodeURIComponent(all[1]!.end);
    const response = await t.request({
      method: 'GET',
      url: `/api/v1/logs/integrity/checkpoints?log=activity&from=${from}`,
    });
    expect(response.json<{ data: SignedCheckpoint[] }>().data.map((c) => c.number)).toEqual([3, 2]);
  });

  it.each([
    ['an unknown log', 'log=nope', 'log'],
    ['a date that is no date', 'from=yesterday', 'from'],
    ['a range that ends before it starts', 'from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z', 'to'],
    ['a made-up cursor', 'cursor=bm9wZQ', 'cursor'],
    ['an unknown parameter', 'colour=red', 'colour'],
    ['a page too large', 'limit=201', 'limit'],
    ['a format it does not offer', 'format=csv', 'format'],
  ])('answers 422 to %s', async (_name, query, field) => {
    const response = await t.request({ method: 'GET', url: `/api/v1/logs/integrity/checkpoints?${query}` });
    expect(response.statusCode).toBe(422);
    expect(response.json<{ error: { code: string } }>().error.code).toBe('ERR_VALIDATION');
    expect(JSON.stringify(response.json())).toContain(field);
  });

  it('refuses a caller without a key (401)', async () => {
    for (const url of ['/api/v1/logs/integrity/checkpoints', '/api/v1/logs/integrity/public-key']) {
      expect((await t.request({ method: 'GET', url, key: null })).statusCode).toBe(401);
    }
  });

  it('refuses a key whose role may not read the logs (403)', async () => {
    const { secret } = await t.services.apiKeys.create({ name: 'no logs', scope: 'admin', role: 'admin' });
    for (const url of ['/api/v1/logs/integrity/checkpoints', '/api/v1/logs/integrity/public-key']) {
      expect((await t.request({ method: 'GET', url, key: secret })).statusCode).toBe(403);
    }
  });
});
