import type { AddressInfo } from 'node:net';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activitySeeder, seedActivity, type SeedRow } from '../helpers/activity-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

const ROWS = 25_000;
const SEED_BATCH = 5_000;
// Live heap growth allowed while streaming; the export itself is several times larger (checked below),
// so an exporter that held the body, or the rows, in memory could not stay under it.
const MAX_HEAP_GROWTH = 24 * 1024 * 1024;

// Live memory, not garbage waiting for a collection: the test asks V8 for a full collection first.
v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const liveHeap = () => {
  gc();
  return process.memoryUsage().heapUsed;
};

/**
 * A large export through a real socket, read as it arrives: memory stays flat because the server reads
 * one page at a time, as fast as the client takes the bytes. The 1-million-row run with figures is
 * `bench/export.bench.mjs`.
 */
describe.each(DIALECTS)('a large export on %s', (dialect) => {
  let t: TestContext;
  let base: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const seed = activitySeeder('2025-01-01T00:00:00.000Z');
    const padding = 'p'.repeat(2600);
    for (let done = 0; done < ROWS; done += SEED_BATCH) {
      const rows: SeedRow[] = [];
      for (let i = done; i < done + SEED_BATCH; i++) {
        seed.clock.advance(10);
        rows.push(
          seed.row({
            resource_id: `lic_${i}`,
            details: { i, padding },
            ip: `10.0.${(i >> 8) & 255}.${i & 255}`,
            user_agent: 'KeyManager-SDK/2.1.0',
          }),
        );
      }
      await seedActivity(t.services.core.db, rows);
    }
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  }, 180_000);
  afterAll(() => t.close());

  it.each(['csv', 'ndjson'])(
    'streams %s with flat memory',
    async (format) => {
      const baseline = liveHeap();
      let peak = 0;
      let bytes = 0;
      let lines = 0;
      let chunks = 0;
      const response = await fetch(`${base}/api/v1/logs/activity?to=2025-12-31T00:00:00Z&format=${format}`, {
        headers: { authorization: `Bearer ${t.ownerKey}` },
      });
      expect(response.status).toBe(200);
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        bytes += chunk.byteLength;
        for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines += 1;
        if (++chunks % 64 === 0) peak = Math.max(peak, liveHeap() - baseline);
      }
      expect(lines).toBe(format === 'csv' ? ROWS + 1 : ROWS);
      expect(bytes).toBeGreaterThan(2.5 * MAX_HEAP_GROWTH);
      expect(peak).toBeLessThan(MAX_HEAP_GROWTH);
    },
    120_000,
  );
});
