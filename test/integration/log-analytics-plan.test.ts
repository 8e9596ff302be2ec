import { sql, type Compilable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RollupPiece } from '../../src/logging/analytics/time-buckets.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

const DAYS = 30;
const FIRST_MINUTE = Date.parse('2026-01-01T00:00:00Z') / 60_000;

/**
 * Every rollup read is a range over its table's primary key (span, bucket, …): the plan is checked,
 * so a change to a query or the migration cannot silently fall back to scanning every rollup row.
 */
describe.each(DIALECTS)('analytics rollup query plans on %s', (dialect) => {
  let t: TestContext;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const { rollups } = t.services.analytics;
    const counts: Record<string, unknown>[] = [];
    const latencies: Record<string, unknown>[] = [];
    const blocked: Record<string, unknown>[] = [];
    for (let hour = 0; hour < DAYS * 24; hour++) {
      const bucket = FIRST_MINUTE + hour * 60;
      for (let e = 0; e < 10; e++) {
        const endpointId = e + 1;
        for (const span of [1, 60]) {
          counts.push({
            span,
            bucket,
            endpoint_id: endpointId,
            method: 2,
            status: 200,
            error_code: '',
            channel: 0,
            count: 5,
          });
        }
        latencies.push({
          span: 60,
          bucket,
          endpoint_id: endpointId,
          latency_bucket: 40 + e,
          count: 3,
          failures: 0,
        });
      }
      blocked.push({ span: 60, bucket, block_reason: 'RATE_LIMIT_EXCEEDED', method: 2, count: 1 });
    }
    await t.services.core.db.transaction().execute(async (tx) => {
      await rollups.addApiCalls(counts, tx);
      await rollups.addLatencies(latencies, tx);
      await rollups.addBlocked(blocked, tx);
    });
    if (dialect === 'postgres') await sql`analyze`.execute(t.services.core.db);
  }, 60_000);
  afterAll(() => t.close());

  async function plan(query: Compilable): Promise<string> {
    const compiled = query.compile();
    const prefix = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
    const result = await t.services.core.db.executeQuery({
      ...compiled,
      sql: prefix + compiled.sql,
    } as typeof compiled);
    return (result.rows as Record<string, unknown>[])
      .map((row) => String(row.detail ?? row['QUERY PLAN']))
      .join('\n');
  }

  const day: RollupPiece = { span: 60, first: FIRST_MINUTE + 24 * 60, end: FIRST_MINUTE + 48 * 60 };

  it.each([
    [
      'counts per bucket',
      () => t.services.analytics.rollups.sumApiCallsQuery(day, ['bucket'], {}),
      'api_call_rollup',
    ],
    [
      'counts of one endpoint by error code',
      () =>
        t.services.analytics.rollups.sumApiCallsQuery(day, ['error_code'], {
          endpointId: 3,
          minStatus: 400,
        }),
      'api_call_rollup',
    ],
    [
      'response-time histograms',
      () => t.services.analytics.rollups.latenciesQuery(day),
      'api_call_latency_rollup',
    ],
    [
      'block reasons',
      () => t.services.analytics.rollups.blockedQuery(day, ['block_reason'], {}),
      'blocked_rollup',
    ],
  ])('%s read a primary-key range', async (_name, query, table) => {
    const text = await plan(query());
    if (dialect === 'sqlite')
      expect(text).toMatch(
        new RegExp(`SEARCH ${table} USING PRIMARY KEY \\(span=\\? AND bucket>\\? AND bucket<\\?\\)`),
      );
    else expect(text).toContain(`${table}_pkey`);
    expect(text).not.toMatch(/Seq Scan|SCAN \w+\b(?! USING)/);
  });
});
