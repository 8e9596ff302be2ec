import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { parseS3Url, retainUntil, s3ArchiveStore } from '../../src/logging/archive/s3-archive-store.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { apiList, deleteBefore, seed2025 } from '../helpers/log-archives.js';

interface LocalS3 {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type LocalS3Server = new (options: Record<string, unknown>) => LocalS3;
const S3rver = createRequire(import.meta.url)('s3rver') as LocalS3Server;

const LOGS = ['activity', 'api-calls', 'failed-api-calls', 'blocked'] as const;
const BUCKET = 'archives';

/** A local S3-compatible server on a free port, with one bucket, its files in a temporary directory. */
async function startLocalS3(): Promise<{ port: number; stop: () => Promise<void> }> {
  const directory = fs.mkdtempSync(path.join(os.tmpdir(), 'km-s3-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: BUCKET, configs: [] }],
  });
  const { port } = await server.run();
  return {
    port,
    stop: async () => {
      await server.close();
      fs.rmSync(directory, { recursive: true, force: true });
    },
  };
}

describe('the S3 archive location', () => {
  it('reads the bucket and prefix of both URL forms, and keeps credentials out of its display', () => {
    const own = parseS3Url('https://AKIDEXAMPLE:wJalr%2FSECRET@s3.example.test:9000/logs/km/prod');
    expect(own).toMatchObject({
      bucket: 'logs',
      prefix: 'km/prod/',
      display: 'https://s3.example.test:9000/logs/km/prod/',
    });
    expect(own.config).toMatchObject({
      endpoint: 'https://s3.example.test:9000',
      forcePathStyle: true,
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalr/SECRET' },
    });
    expect(parseS3Url('s3://audit-bucket/keymanager')).toMatchObject({
      bucket: 'audit-bucket',
      prefix: 'keymanager/',
      display: 's3://audit-bucket/keymanager/',
    });
    expect(parseS3Url('s3://audit-bucket').prefix).toBe('');
  });

  it.each([
    ['not a url', 'is not a URL'],
    ['ftp://host/bucket', 'must start with s3://, http:// or https://'],
    ['http://key:secret@host:9000/', 'names no bucket'],
  ])('refuses %s: %s', (url, message) => {
    expect(() => parseS3Url(url)).toThrow(message);
  });

  it('retains a locked object for the bucket default period', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    expect(retainUntil({ mode: 'COMPLIANCE', days: 2555 }, now).toISOString()).toBe(
      '2032-12-30T00:00:00.000Z',
    );
  });
});

describe.each(DIALECTS)('archives in S3-compatible storage on %s', (dialect) => {
  let s3: Awaited<ReturnType<typeof startLocalS3>>;
  let t: TestContext;
  let config: Config;
  const before: Record<string, unknown[]> = {};

  beforeAll(async () => {
    s3 = await startLocalS3();
    t = await createTestApp(dialect, (c) => {
      c.archive.s3Url = `http://S3RVER:S3RVER@127.0.0.1:${s3.port}/${BUCKET}/km-${dialect}`;
      config = c;
    });
    await seed2025(t);
    for (const log of LOGS) before[log] = await apiList(t, log);
  });
  afterAll(async () => {
    await t.close();
    await s3.stop();
  });

  it('archives to the bucket under the prefix, lists, and restores what the search API showed', async () => {
    expect(t.services.archives.location).toBe(`http://127.0.0.1:${s3.port}/${BUCKET}/km-${dialect}/`);
    const reports = await t.services.archives.archiveDays(
      ['activity', 'api_calls', 'failed_api_calls', 'blocked'],
      '2026-01-01',
    );
    expect(reports.every((r) => r.parts.length > 0)).toBe(true);
    const names = (await t.services.archives.store().list('')).sort();
    expect(names).toContain('api_calls/2025-06-01.ndjson.gz');
    expect(names).toContain('api_calls/2025-06-01.manifest.json');
    expect(names.filter((n) => n.endsWith('.manifest.json')).length).toBe(
      reports.reduce((sum, r) => sum + r.parts.length, 0),
    );

    await deleteBefore(t, new Date('2026-01-01T00:00:00.000Z'));
    for (const log of LOGS) expect(await apiList(t, log)).toEqual([]);
    const all = ['activity', 'api_calls', 'failed_api_calls', 'blocked'] as const;
    const report = await t.services.archives.restore(all, '2025-01-01', '2025-12-31');
    expect(report.skipped).toBe(0);
    for (const log of LOGS) expect(await apiList(t, log)).toEqual(before[log]);
    expect(await t.services.archives.restore(all, '2025-01-01', '2025-12-31')).toMatchObject({ restored: 0 });
    // The activity entries name the location, never its credentials.
    const recorded = await t.services.core.db
      .selectFrom('activity_log')
      .selectAll()
      .where('action_type', 'in', ['LOGS_ARCHIVED', 'LOGS_RESTORED'])
      .execute();
    expect(recorded.length).toBe(6);
    expect(JSON.stringify(recorded)).toContain(`127.0.0.1:${s3.port}/${BUCKET}`);
    expect(JSON.stringify(recorded)).not.toContain('S3RVER');
  });

  it('archives nothing twice', async () => {
    const again = await t.services.archives.archiveDays(['api_calls'], '2026-01-01');
    expect(again[0]!.parts).toEqual([]);
  });

  it('finds no Object Lock on this server and writes without a retention', async () => {
    // s3rver answers the Object Lock configuration request with NotImplemented.
    const store = s3ArchiveStore(config.archive.s3Url!);
    try {
      expect(await store.objectLock()).toBeNull();
    } finally {
      store.close();
    }
  });

  it('never shows the credentials of the URL in an error', async () => {
    const secret = 'n0t-the-real-s3cret';
    const wrong = s3ArchiveStore(`http://NOSUCHKEY:${secret}@127.0.0.1:${s3.port}/${BUCKET}/x`);
    const closed = s3ArchiveStore(`http://NOSUCHKEY:${secret}@127.0.0.1:1/${BUCKET}/x`);
    try {
      for (const store of [wrong, closed]) {
        const error = await store.put('probe.json', Buffer.from('{}')).then(
          () => null,
          (e: Error) => e,
        );
        expect(error).toBeInstanceOf(Error);
        expect(error!.message).not.toContain(secret);
        expect(error!.message).not.toContain('NOSUCHKEY');
        expect(error!.message).toContain(`/${BUCKET}/x/`);
      }
    } finally {
      wrong.close();
      closed.close();
    }
  });
});
