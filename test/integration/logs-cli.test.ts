import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLogsCommand, tailLogsAction, type LogsIo } from '../../src/cli/logs.command.js';
import type { Config } from '../../src/config/config.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { activitySeeder, seedActivity, type SeedRow } from '../helpers/activity-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { licenseFixture, type LogEntry } from '../helpers/request-logs.js';

const IN_2025 = ['--to', '2025-12-31T23:59:59.999Z'];

function capture(isTTY = false) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY });
  const text = (stream: PassThrough) => {
    let out = '';
    stream.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    return () => out;
  };
  return { io: { stdout, stderr } as LogsIo, out: text(stdout), err: text(stderr) };
}

/** Runs `keymanager logs …` in process, as main.ts wires it. */
async function run(config: Config, args: string[], isTTY = false) {
  const { io, out, err } = capture(isTTY);
  const program = new Command('keymanager')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerLogsCommand(program, () => config, io);
  try {
    await program.parseAsync(['logs', ...args], { from: 'user' });
    return { stdout: out(), stderr: err() };
  } catch (error) {
    return { stdout: out(), stderr: err(), error: (error as Error).message };
  }
}

describe.each(DIALECTS)('keymanager logs on %s', (dialect) => {
  let t: TestContext;
  let config: Config;
  let seeded: SeedRow[];
  let dir: string;
  let licenseKey: string;

  /** The API's JSON list, every page, for comparison. */
  async function apiList(log: string, query: string): Promise<LogEntry[]> {
    const entries: LogEntry[] = [];
    let cursor: string | null = null;
    do {
      const page: { data: LogEntry[]; next_cursor: string | null } = (
        await t.request({
          method: 'GET',
          url: `/api/v1/logs/${log}?${query}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
        })
      ).json();
      entries.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    return entries;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-logs-cli-'));
    t = await createTestApp(dialect, (c) => {
      // A file, so the command's own connection sees the app's rows.
      if (c.database.kind === 'sqlite') c.database = { kind: 'sqlite', file: path.join(dir, 'km.db') };
      config = c;
    });
    const seed = activitySeeder('2025-05-01T00:00:00.000Z');
    seeded = Array.from({ length: 30 }, (_, i) => {
      seed.clock.advance(1000);
      return seed.row({
        action_type: i % 3 === 0 ? 'LICENSE_SUSPENDED' : 'LICENSE_UPDATED',
        resource_type: 'license',
        resource_id: `lic_${i}`,
        ip: i % 2 ? '203.0.113.7' : '198.51.100.1',
        admin_user: i === 4 ? 'evil\u001b[2J\r\nforged' : 'alice@example.test',
        user_agent: i === 4 ? 'evil\u001b[2J\r\nforged' : 'Mozilla/5.0',
        resource: i === 5 ? '=cmd|calc' : `License lic_${i}`,
      });
    });
    await seedActivity(t.services.core.db, seeded);
    const f = await licenseFixture(t);
    licenseKey = f.key;
    for (let i = 0; i < 3; i++) {
      await t.request({
        method: 'POST',
        url: '/api/v1/licenses/validate',
        key: f.apiKey,
        payload: { license_key: f.key },
      });
    }
    await t.request({
      method: 'POST',
      url: '/api/v1/licenses/validate',
      key: f.apiKey,
      payload: { license_key: 42 },
    });
    await t.services.requestLogs.flush();
  });
  afterAll(() => t.close());

  it('searches one page as a table, escaping control characters, with the next cursor on stderr', async () => {
    const result = await run(config, ['search', '--log', 'activity', '--limit', '5', ...IN_2025]);
    expect(result.error).toBeUndefined();
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIMESTAMP\s+ADMIN_USER\s+CHANNEL\s+ACTION_TYPE/);
    expect(lines.slice(1).map((line) => line.split(/\s+/)[0])).toEqual(
      seeded
        .slice(-5)
        .reverse()
        .map((row) => row.timestamp),
    );
    expect(result.stderr).toMatch(/^5 entries; more: --cursor \S+\n$/);
    const cursor = result.stderr.trim().split(' ').at(-1)!;
    const next = await run(config, [
      'search',
      '--log',
      'activity',
      '--limit',
      '25',
      '--cursor',
      cursor,
      ...IN_2025,
    ]);
    expect(next.stdout).toContain('\\u001b[2J\\u000d\\u000aforged');
    expect(next.stdout).not.toContain('\u001b');
    expect(next.stdout.trimEnd().split('\n')).toHaveLength(26);
    expect(next.stderr).toBe('25 entries\n');
  });

  it('searches with the API filters, as NDJSON equal to the API answer', async () => {
    const result = await run(config, [
      'search',
      '--log',
      'activity',
      '--format',
      'ndjson',
      '--action-type',
      'LICENSE_SUSPENDED',
      '--ip',
      '203.0.113.0/24',
      ...IN_2025,
    ]);
    const entries = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries).toEqual(
      await apiList(
        'activity',
        'action_type=LICENSE_SUSPENDED&ip=203.0.113.0/24&to=2025-12-31T23:59:59.999Z',
      ),
    );
    expect(entries.map((e) => e.resource_id)).toEqual(['lic_27', 'lic_21', 'lic_15', 'lic_9', 'lic_3']);
  });

  it('exports to a new file as CSV matching the API list, with progress on stderr when asked', async () => {
    const file = path.join(dir, `activity-${dialect}.csv`);
    const result = await run(config, [
      'export',
      '--log',
      'activity',
      '--output',
      file,
      '--progress',
      ...IN_2025,
    ]);
    expect(result.error).toBeUndefined();
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`exported 30 rows \\([\\d,]+ rows/s\\) to ${file} in [\\d.]+ s\\n$`),
    );
    const [header, ...rows] = parse(fs.readFileSync(file)) as string[][];
    const entries = await apiList('activity', 'to=2025-12-31T23:59:59.999Z');
    expect(rows.map((row) => row[0])).toEqual(entries.map((e) => e.id));
    expect(rows.map((row) => row[header!.indexOf('resource')])).toContain("'=cmd|calc");
    expect(rows.map((row) => row[header!.indexOf('user_agent')])).toContain('evil\u001b[2J\r\nforged');

    const again = await run(config, ['export', '--log', 'activity', '--output', file, ...IN_2025]);
    expect(again.error).toBe(`--output ${file} exists; exports only write new files`);
    expect(parse(fs.readFileSync(file))).toHaveLength(31);
  });

  it('exports the request logs as NDJSON to stdout, progress redrawn on a terminal', async () => {
    for (const log of ['api-calls', 'failed-api-calls']) {
      const result = await run(
        config,
        ['export', '--log', log, '--format', 'ndjson', '--from', '2020-01-01T00:00:00Z'],
        true,
      );
      expect(result.error).toBeUndefined();
      const lines = result.stdout
        ? result.stdout
            .trimEnd()
            .split('\n')
            .map((line) => JSON.parse(line))
        : [];
      const listed = await apiList(log, 'from=2020-01-01T00:00:00Z');
      // The API list may hold newer entries (the listing itself): the export is a prefix of it, by id.
      expect(lines.length).toBeGreaterThan(0);
      expect(listed.filter((e) => e.id <= (lines[0]?.id ?? '')).map((e) => e.id)).toEqual(
        lines.map((e) => e.id),
      );
      expect(result.stderr.startsWith('\r')).toBe(true);
      expect(result.stderr).toMatch(/to stdout in [\d.]+ s/);
      expect(result.stderr.endsWith('\u001b[K\n')).toBe(true);
    }
  });

  it('searches the request logs by a licence key and a status class, as the API does', async () => {
    const bad = await t.request({
      method: 'POST',
      url: '/api/v1/licenses/validate',
      payload: { license_key: licenseKey, fingerprint: 42 },
    });
    expect(bad.statusCode).toBe(422);
    await t.services.requestLogs.flush();
    const args = ['--format', 'ndjson', '--license-key', licenseKey, '--from', '2020-01-01T00:00:00Z'];
    const failed = await run(config, ['search', '--log', 'api-calls', '--status', '4xx', ...args]);
    expect(failed.error).toBeUndefined();
    const entries = failed.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(entries).toEqual(
      await apiList('api-calls', `status=4xx&license_key=${licenseKey}&from=2020-01-01T00:00:00Z`),
    );
    expect(entries.map((e) => [e.endpoint, e.status])).toEqual([['/api/v1/licenses/validate', 422]]);
    const all = await run(config, ['search', '--log', 'api-calls', ...args]);
    expect(all.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(failed.stdout + all.stdout).not.toContain(licenseKey);
  });

  it('refuses a bad filter with one line naming the option', async () => {
    const cases: [string[], string][] = [
      [
        ['search', '--log', 'activity', '--action-type', 'LICENSE_EATEN'],
        '--action-type must be equal to one of the allowed values',
      ],
      [['search', '--log', 'activity', '--ip', '10.1'], '--ip must be an IP address or a CIDR range'],
      [
        ['export', '--log', 'api-calls', '--admin', 'a@example.test'],
        '--admin is not a filter of the api-calls log',
      ],
      [['search', '--log', 'audit'], '--log must be one of activity, api-calls, failed-api-calls, blocked'],
      [['search', '--log', 'activity', '--from', 'monday'], '--from must match format "date-time"'],
      [['export', '--log', 'activity', '--format', 'xlsx'], '--format must be csv or ndjson'],
      [['tail', '--log', 'activity', '--lines', '0'], '--lines must be a whole number from 1 to 200'],
      [['search', '--log', 'activity', '--colour', 'red'], "error: unknown option '--colour'"],
      [['search', '--log', 'activity', '--status', '200'], '--status is not a filter of the activity log'],
      [
        ['search', '--log', 'api-calls', '--status', '2xy'],
        '--status must match pattern "^[1-5]([0-9][0-9]|xx)$"',
      ],
    ];
    for (const [args, message] of cases) {
      const result = await run(config, args);
      expect(result.error, args.join(' ')).toBe(message);
      expect(result.stdout).toBe('');
    }
  });

  it('tails the latest entries, then follows new ones until interrupted', async () => {
    const { io, out } = capture();
    const controller = new AbortController();
    const query = {
      log: 'activity' as const,
      lines: '3',
      format: 'ndjson',
      follow: true,
      interval: '20',
      actionType: 'CUSTOMER_NOTE_ADDED',
    };
    const seed = activitySeeder(new Date(Date.now() - 60_000).toISOString());
    const early = [
      seed.row({ action_type: 'CUSTOMER_NOTE_ADDED' }),
      seed.row({ action_type: 'CUSTOMER_NOTE_ADDED' }),
    ];
    await seedActivity(t.services.core.db, early);

    const ids = () =>
      out()
        .trimEnd()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line).id as string);
    const until = async (done: () => boolean) => {
      for (let i = 0; i < 500 && !done(); i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(done()).toBe(true);
    };
    const tail = tailLogsAction(config, query, io, controller.signal);
    try {
      await until(() => ids().length === 2);
      expect(ids()).toEqual(early.map((r) => r.id));

      // Entries written while following appear in order, once, including one stored a little late.
      seed.clock.set(new Date());
      const late = seed.row({ action_type: 'CUSTOMER_NOTE_ADDED' });
      seed.clock.advance(5);
      const fresh = [
        seed.row({ action_type: 'CUSTOMER_NOTE_ADDED' }),
        seed.row({ action_type: 'PRODUCT_CREATED' }),
      ];
      await seedActivity(t.services.core.db, fresh);
      await until(() => ids().length === 3);
      await seedActivity(t.services.core.db, [late]);
      await until(() => ids().length === 4);
      expect(ids()).toEqual([...early.map((r) => r.id), fresh[0]!.id, late.id]);
    } finally {
      controller.abort();
    }
    // Interrupting ends the command normally.
    await expect(tail).resolves.toBeUndefined();
  });

  it('records every run in the activity log, on the cli channel, with the filters', async () => {
    const entries = await newActivity(t, async () => {
      await run(config, ['search', '--log', 'blocked', '--from', '2026-01-01T00:00:00Z']);
      await run(config, ['export', '--log', 'activity', '--format', 'ndjson', '--q', 'calc', ...IN_2025]);
      await run(config, ['tail', '--log', 'api-calls', '--lines', '1']);
      await run(config, ['search', '--log', 'activity', '--ip', 'nope']);
    });
    expect(
      entries.map((e) => [e.action_type, e.resource, e.result, e.channel, e.actor_type, e.admin_user]),
    ).toEqual([
      ['LOGS_SEARCHED', 'blocked log', 'success', 'cli', 'system', 'cli'],
      ['LOGS_EXPORTED', 'activity log', 'success', 'cli', 'system', 'cli'],
      ['LOGS_SEARCHED', 'api-calls log', 'success', 'cli', 'system', 'cli'],
      ['LOGS_SEARCHED', 'activity log', 'failure', 'cli', 'system', 'cli'],
    ]);
    expect(entries[3]!.error_code).toBe('ERR_VALIDATION');
    expect(entries.map(detailsOf)).toEqual([
      { log: 'blocked', filters: { from: '2026-01-01T00:00:00Z' } },
      { log: 'activity', format: 'ndjson', filters: { q: 'calc', to: '2025-12-31T23:59:59.999Z' } },
      { log: 'api-calls', filters: {}, tail: true, follow: false },
      expect.objectContaining({ log: 'activity', filters: { ip: 'nope' } }),
    ]);
  });
});

/** The real binary: exit status and one-line errors as an operator sees them. */
describe('keymanager logs, the binary', () => {
  const exec = promisify(execFile);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-logs-bin-'));
  const cli = (...args: string[]) =>
    exec(path.resolve('node_modules/.bin/vite-node'), ['src/cli/main.ts', ...args], {
      env: { ...process.env, KM_DATA_DIR: dataDir, KM_LOG_LEVEL: 'silent', KM_DATABASE_URL: '' },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('exports CSV with exit 0, and refuses a bad filter with exit 1 and one line', async () => {
    const ok = await cli('logs', 'export', '--log', 'activity', '--format', 'csv');
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\r\n')[0]).toBe(
      'id,timestamp,admin_user,actor_type,channel,action_type,resource_type,resource_id,resource,details,result,error_code,ip,session_id,user_agent,actor_id',
    );
    const bad = await cli('logs', 'search', '--log', 'activity', '--result', 'maybe');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe('keymanager: --result must be equal to one of the allowed values\n');
    expect(bad.stdout).toBe('');
  }, 60_000);
});
