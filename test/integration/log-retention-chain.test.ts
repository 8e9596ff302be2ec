import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { archivedChainEntrySource } from '../../src/logging/archive/archive-reader.js';
import { CHAINED_LOGS } from '../../src/logging/integrity/chain.js';
import { liveChainSource, readChainHead } from '../../src/logging/integrity/chain-reads.js';
import { problemLine } from '../../src/logging/integrity/verify-problems.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { licenseFixture, type LicenseFixture } from '../helpers/request-logs.js';

describe.each(DIALECTS)('retention keeps the chains verifiable on %s', (dialect) => {
  let t: TestContext;
  let f: LicenseFixture;
  beforeEach(async () => {
    t = await createTestApp(dialect);
    t.clock.set('2026-03-01T10:00:00.000Z');
    f = await licenseFixture(t);
  });
  afterEach(() => t.close());

  async function verify(withArchives: boolean) {
    const integrity = t.services.integrity!;
    const sources = [liveChainSource(t.services.core.db)];
    if (withArchives) sources.push(archivedChainEntrySource(t.services.archives.store()));
    return integrity.service.verify({ logs: CHAINED_LOGS, publicKey: integrity.key.publicKey, sources });
  }

  it('archives, deletes and moves each kept start, so verification passes on live entries and on archives', async () => {
    const call = (key: string) =>
      t.request({
        method: 'POST',
        url: '/api/v1/licenses/validate',
        key: f.apiKey,
        payload: { license_key: key },
      });
    for (let i = 0; i < 5; i++) {
      expect((await call(f.key)).statusCode).toBe(200);
      expect((await call('NOPE-NOPE-NOPE-NOPE')).statusCode).toBeGreaterThanOrEqual(400);
    }
    await t.services.requestLogs.flush();
    await t.services.integrity!.job.runOnce();

    t.clock.set('2026-03-20T10:00:00.000Z');
    for (let i = 0; i < 3; i++) expect((await call(f.key)).statusCode).toBe(200);
    await t.services.requestLogs.flush();
    const put = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { retention_days: { activity: 7, api_calls: 7, failed_api_calls: 7, blocked: 7 } },
    });
    expect(put.statusCode).toBe(200);
    const outcomes = await t.services.retention.service.prune({ actor: 'retention job' });
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect(outcomes.find((o) => o.log === 'failed_api_calls')?.deleted).toBeGreaterThanOrEqual(5);
    await t.services.requestLogs.flush();
    await t.services.integrity!.job.runOnce();

    const heads = await readChainHead(t.services.core.db, 'failed_api_calls');
    expect(heads.retained_from).toBeGreaterThan(1);

    // The clock jumped 19 days with no server running: that gap is reported, and nothing else is.
    const onlyTheGap = CHAINED_LOGS.map(
      (log) => `${log} checkpoint_gap checkpoint 2: 1641600 s after checkpoint 1: more than two intervals`,
    );
    const live = await verify(false);
    expect(live.problems.map(problemLine)).toEqual(onlyTheGap);
    const withArchives = await verify(true);
    expect(withArchives.problems.map(problemLine)).toEqual(onlyTheGap);
    const checked = (result: typeof live) =>
      result.summaries.find((s) => s.log === 'failed_api_calls')!.entriesChecked;
    // The deleted part is read back from the archives and checked too.
    expect(checked(withArchives)).toBeGreaterThan(checked(live));
  });
});
