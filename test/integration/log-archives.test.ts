import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { idBoundary } from '../../src/logging/log-entry.js';
import { archivedEntries } from '../../src/logging/archive/archive-reader.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { apiList, deleteBefore, runLogs, seed2025 } from '../helpers/log-archives.js';
import type { LogEntry } from '../helpers/request-logs.js';
import { requestLogSeeder, seedRequestLogs } from '../helpers/request-log-seed.js';

const LOGS = ['activity', 'api-calls', 'failed-api-calls', 'blocked'] as const;
/** `api-calls` lists every call, failed ones too: the stored entries are these three logs'. */
const STORED = ['activity', 'api-calls', 'blocked'] as const;
const END_OF_2025 = new Date('2026-01-01T00:00:00.000Z');

describe.each(DIALECTS)('log archives on %s', (dialect) => {
  let t: TestContext;
  let config: Config;
  let dir: string;
  const before: Record<string, LogEntry[]> = {};

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-archives-'));
    t = await createTestApp(dialect, (c) => {
      // A file, so the command's own connection sees the app's rows.
      if (c.database.kind === 'sqlite') c.database = { kind: 'sqlite', file: path.join(dir, 'km.db') };
      c.archive.dir = path.join(dir, 'archive');
      config = c;
    });
    await seed2025(t);
    for (const log of LOGS) before[log] = await apiList(t, log);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('archives each log per UTC day, with a manifest, and a second run archives nothing new', async () => {
    expect(before.activity!.length).toBeGreaterThan(10);
    const first = await runLogs(config, ['archive', '--before', '2026-01-01']);
    expect(first.error).toBeUndefined();
    expect(first.stdout).toContain(`activity: before 2026-01-01: ${before.activity!.length} entries`);
    const files = fs.readdirSync(path.join(dir, 'archive', 'api_calls')).sort();
    expect(files).toEqual([
      '2025-06-01.manifest.json',
      '2025-06-01.ndjson.gz',
      '2025-06-02.manifest.json',
      '2025-06-02.ndjson.gz',
      '2025-06-03.manifest.json',
      '2025-06-03.ndjson.gz',
    ]);
    const manifest = JSON.parse(
      fs.readFileSync(path.join(dir, 'archive', 'activity', '2025-03-02.manifest.json'), 'utf8'),
    );
    expect(manifest).toMatchObject({ log: 'activity', day: '2025-03-02', part: 1 });
    expect(manifest.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.from <= manifest.to).toBe(true);
    expect(fs.readdirSync(path.join(dir, 'archive', 'activity')).some((f) => f.includes('.tmp-'))).toBe(
      false,
    );

    const again = await runLogs(config, ['archive', '--before', '2026-01-01']);
    expect(again.stdout).toContain('activity: before 2026-01-01: nothing new');
    expect(again.stdout).toContain('api_calls: before 2026-01-01: nothing new');
  });

  it('restores deleted entries so the search API returns exactly what it did before', async () => {
    await deleteBefore(t, END_OF_2025);
    for (const log of LOGS) expect(await apiList(t, log)).toEqual([]);
    const total = STORED.reduce((sum, log) => sum + before[log]!.length, 0);

    const restored = await runLogs(config, ['restore', '--from', '2025-01-01', '--to', '2025-12-31']);
    expect(restored.error).toBeUndefined();
    expect(restored.stdout).toContain(`${total} restored, 0 skipped`);
    for (const log of LOGS) expect(await apiList(t, log)).toEqual(before[log]);
  });

  it('never duplicates an entry that is still present, and counts it as skipped', async () => {
    const total = STORED.reduce((sum, log) => sum + before[log]!.length, 0);
    const twice = await runLogs(config, ['restore', '--from', '2025-01-01', '--to', '2025-12-31']);
    expect(twice.stdout).toContain(`0 restored, ${total} skipped`);
    for (const log of LOGS) expect(await apiList(t, log)).toEqual(before[log]);

    // Half gone: only that half comes back.
    await deleteBefore(t, new Date('2025-06-01T00:00:00.000Z'));
    const activityCount = before.activity!.length;
    const partly = await runLogs(config, ['restore', '--from', '2025-03-01', '--to', '2025-06-30']);
    expect(partly.stdout).toContain(`${activityCount} restored, ${total - activityCount} skipped`);
    for (const log of LOGS) expect(await apiList(t, log)).toEqual(before[log]);
  });

  it('restores one log only with --log, and reads archived entries by time range', async () => {
    await deleteBefore(t, END_OF_2025);
    const blocked = await runLogs(config, [
      'restore',
      '--from',
      '2025-01-01',
      '--to',
      '2025-12-31',
      '--log',
      'blocked',
    ]);
    expect(blocked.stdout).toContain(`${before.blocked!.length} restored, 0 skipped`);
    expect(await apiList(t, 'blocked')).toEqual(before.blocked);
    expect(await apiList(t, 'api-calls')).toEqual([]);

    const store = t.services.archives.store();
    const read: Record<string, unknown>[] = [];
    for await (const entry of archivedEntries(
      store,
      'activity',
      new Date('2025-03-02T00:00:00.000Z'),
      new Date('2025-03-02T23:59:59.999Z'),
    )) {
      read.push(entry);
    }
    const expected = before.activity!.filter((e) => String(e.timestamp).startsWith('2025-03-02'));
    expect(read.map((e) => e.id).sort()).toEqual(expected.map((e) => e.id).sort());
    await runLogs(config, ['restore', '--from', '2025-01-01', '--to', '2025-12-31']);
  });

  it('records LOGS_ARCHIVED and LOGS_RESTORED as the system on the cli channel', async () => {
    const added = await newActivity(t, () =>
      runLogs(config, ['restore', '--from', '2025-06-01', '--to', '2025-06-01', '--log', 'api-calls']),
    );
    const restore = added.find((row) => row.action_type === 'LOGS_RESTORED')!;
    expect(restore).toMatchObject({ actor_type: 'system', channel: 'cli', result: 'success' });
    expect(detailsOf(restore)).toMatchObject({ logs: ['api_calls'], from: '2025-06-01', to: '2025-06-01' });
    const archived = await t.services.core.db
      .selectFrom('activity_log')
      .selectAll()
      .where('action_type', '=', 'LOGS_ARCHIVED')
      .execute();
    expect(archived.length).toBe(4);
    expect(archived.every((row) => row.actor_type === 'system' && row.channel === 'cli')).toBe(true);
  });

  it('refuses a corrupted archive with a clear error and restores nothing from it', async () => {
    await deleteBefore(t, END_OF_2025);
    const file = path.join(dir, 'archive', 'api_calls', '2025-06-02.ndjson.gz');
    const original = fs.readFileSync(file);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x01;
    fs.writeFileSync(file, flipped);
    try {
      const refused = await runLogs(config, ['restore', '--from', '2025-01-01', '--to', '2025-12-31']);
      expect(refused.error).toContain(
        'api_calls/2025-06-02.ndjson.gz does not match the SHA-256 of its manifest',
      );
      for (const log of LOGS) expect(await apiList(t, log)).toEqual([]);
      const failed = await t.services.core.db
        .selectFrom('activity_log')
        .selectAll()
        .where('action_type', '=', 'LOGS_RESTORED')
        .where('result', '=', 'failure')
        .execute();
      expect(failed).toHaveLength(1);
    } finally {
      fs.writeFileSync(file, original);
    }
    const restored = await runLogs(config, ['restore', '--from', '2025-01-01', '--to', '2025-12-31']);
    expect(restored.error).toBeUndefined();
    for (const log of LOGS) expect(await apiList(t, log)).toEqual(before[log]);
  });

  it.each([
    [['restore', '--from', '2025-12-31', '--to', '2025-01-01'], '--from must not be after --to'],
    [['restore', '--from', '2025-02-30', '--to', '2025-12-31'], '--from must be a date (YYYY-MM-DD)'],
    [['restore', '--from', 'yesterday', '--to', '2025-12-31'], '--from must be a date (YYYY-MM-DD)'],
    [['restore', '--from', '2025-01-01', '--to', '2025-12-31', '--log', 'nope'], 'unknown log "nope"'],
    [['restore', '--from', '2025-01-01'], "required option '--to <date>' not specified"],
    [['archive', '--before', '31/12/2025'], '--before must be a date (YYYY-MM-DD)'],
    [['archive', '--log', 'audit'], 'unknown log "audit"'],
  ])('%j is refused: %s, and nothing changes', async (args, message) => {
    const counts = async () =>
      Object.fromEntries(await Promise.all(LOGS.map(async (log) => [log, (await apiList(t, log)).length])));
    const archivesBefore = fs.readdirSync(path.join(dir, 'archive'), { recursive: true }).length;
    const countsBefore = await counts();
    const result = await runLogs(config, args);
    expect(result.error).toContain(message);
    expect(await counts()).toEqual(countsBefore);
    expect(fs.readdirSync(path.join(dir, 'archive'), { recursive: true }).length).toBe(archivesBefore);
  });

  it('archives only days before the boundary retention deletes next by default', async () => {
    const reports = await t.services.archives.archiveDays(['api_calls']);
    const days = t.services.loggingSettings.current().retention_days.api_calls;
    const boundary = new Date(
      t.clock.now().getTime() + config.retention.intervalSeconds * 1000 - days * 86_400_000,
    );
    expect(reports[0]!.before).toBe(boundary.toISOString().slice(0, 10));
    // Run on "now" (late 2026 or after): the 2025 days are all archived already.
    expect(reports[0]!.parts).toEqual([]);
  });

  it('archives an entry committed late, inside a day already archived, as one more part', async () => {
    const late = requestLogSeeder('2025-06-02T12:00:00.000Z').apiCall({ ip: '192.0.2.9' });
    await seedRequestLogs(t, [late]);
    const bound = idBoundary('log', END_OF_2025, false);
    const parts = await t.services.archives.archiveBefore('api_calls', bound);
    expect(parts.map((p) => [p.file, p.entries, p.first_id])).toEqual([
      ['api_calls/2025-06-02.2.ndjson.gz', 1, late.id],
    ]);
    expect(await t.services.archives.archiveBefore('api_calls', bound)).toEqual([]);
    await deleteBefore(t, END_OF_2025);
    const report = await t.services.archives.restore(['api_calls'], '2025-06-02', '2025-06-02');
    expect(report.files).toBe(2);
    expect(report.skipped).toBe(0);
    expect((await apiList(t, 'api-calls')).map((e) => e.id)).toContain(late.id);
  });

  it('archives what is left of a day partly archived as its next part', async () => {
    const seeder = requestLogSeeder('2025-09-10T06:00:00.000Z');
    const morning = seeder.apiCall({ ip: '192.0.2.1' });
    seeder.clock.set('2025-09-10T18:00:00.000Z');
    const evening = seeder.apiCall({ ip: '192.0.2.2' });
    await seedRequestLogs(t, [morning, evening]);
    const noon = idBoundary('log', new Date('2025-09-10T12:00:00.000Z'), false);
    const first = await t.services.archives.archiveBefore('api_calls', noon);
    expect(first.map((p) => [p.file, p.entries, p.first_id])).toEqual([
      ['api_calls/2025-09-10.ndjson.gz', 1, morning.id],
    ]);
    const rest = await t.services.archives.archiveBefore('api_calls', idBoundary('log', END_OF_2025, false));
    expect(rest.map((p) => [p.file, p.entries, p.first_id])).toEqual([
      ['api_calls/2025-09-10.2.ndjson.gz', 1, evening.id],
    ]);
    await deleteBefore(t, END_OF_2025);
    const report = await t.services.archives.restore(['api_calls'], '2025-09-10', '2025-09-10');
    expect(report).toEqual({ files: 2, restored: 2, skipped: 0 });
    expect((await apiList(t, 'api-calls')).map((e) => e.id)).toEqual([evening.id, morning.id]);
  });

  it('two archive runs at once cannot overwrite each other: one writes the part, the other fails', async () => {
    const seeder = requestLogSeeder('2025-10-20T06:00:00.000Z');
    const entries = [seeder.apiCall({ ip: '192.0.2.3' }), seeder.apiCall({ ip: '192.0.2.4' })];
    await seedRequestLogs(t, entries);
    const bound = idBoundary('log', END_OF_2025, false);
    const runs = await Promise.allSettled([
      t.services.archives.archiveBefore('api_calls', bound),
      t.services.archives.archiveBefore('api_calls', bound),
    ]);
    const written = runs.filter((r) => r.status === 'fulfilled').flatMap((r) => r.value);
    const failed = runs.filter((r) => r.status === 'rejected').map((r) => String(r.reason));
    expect(written.map((p) => [p.file, p.entries])).toEqual([['api_calls/2025-10-20.ndjson.gz', 2]]);
    expect(failed).toEqual([expect.stringContaining('api_calls/2025-10-20.ndjson.gz already exists in')]);
    // The part that stayed holds both entries and matches its manifest: restore brings them back.
    await deleteBefore(t, END_OF_2025);
    const report = await t.services.archives.restore(['api_calls'], '2025-10-20', '2025-10-20');
    expect(report).toEqual({ files: 1, restored: 2, skipped: 0 });
    expect(fs.readdirSync(path.join(dir, 'archive', 'api_calls')).some((f) => f.includes('.tmp-'))).toBe(
      false,
    );
  });
});
