import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLogsCommand, type LogsIo } from '../../src/cli/logs.command.js';
import type { Config } from '../../src/config/config.js';
import { activityRows, detailsOf } from '../helpers/activity.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { requestLogSeeder, seedRequestLogs } from '../helpers/request-log-seed.js';

const DAY_MS = 86_400_000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS).toISOString();

/** Runs `keymanager logs …` in process, as main.ts wires it (the command uses the real clock). */
async function run(config: Config, args: string[]) {
  const stdout = new PassThrough();
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const io = { stdout, stderr: new PassThrough() } as LogsIo;
  const program = new Command('keymanager')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerLogsCommand(program, () => config, io);
  try {
    await program.parseAsync(['logs', ...args], { from: 'user' });
    return { stdout: out };
  } catch (error) {
    return { stdout: out, error: (error as Error).message };
  }
}

describe.each(DIALECTS)('keymanager logs prune on %s', (dialect) => {
  let t: TestContext;
  let config: Config;
  let dir: string;

  /** Seeded entries still stored, per table (the test's own requests are not logged). */
  async function stored(): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    for (const table of ['api_call_log', 'blocked_log']) {
      const { rows } = await sql<{
        n: number | string;
      }>`select count(*) as n from ${sql.table(table)}`.execute(t.services.core.db);
      counts[table] = Number(rows[0]!.n);
    }
    return counts;
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-prune-cli-'));
    t = await createTestApp(dialect, (c) => {
      if (c.database.kind === 'sqlite') c.database = { kind: 'sqlite', file: path.join(dir, 'km.db') };
      config = c;
    });
    const response = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { log_api_calls: false, log_failed_api_calls: false },
    });
    expect(response.statusCode).toBe(200);
    // Default retention: 90 days for the request logs. Old entries are 100 days old, recent ones 1.
    const old = requestLogSeeder(daysAgo(100));
    const recent = requestLogSeeder(daysAgo(1));
    await seedRequestLogs(
      t,
      [old.apiCall({ status: 200 }), old.apiCall({ status: 404 }), recent.apiCall({ status: 200 })],
      [old.blocked(), old.blocked(), recent.blocked()],
    );
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('--dry-run reports what would go, per log, and deletes nothing', async () => {
    const { stdout, error } = await run(config, ['prune', '--dry-run']);
    expect(error).toBeUndefined();
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^api-calls: 1 entry before \S+T00:00:00\.000Z would be deleted$/);
    expect(lines[2]).toMatch(/^failed-api-calls: 1 entry before .* would be deleted$/);
    expect(lines[3]).toMatch(/^blocked: 2 entries before .* would be deleted$/);
    expect(await stored()).toEqual({ api_call_log: 3, blocked_log: 3 });
  });

  it('an unknown log or option is refused with a clear reason, and nothing is deleted', async () => {
    expect((await run(config, ['prune', '--log', 'audit'])).error).toBe(
      '--log must be one of activity, api-calls, failed-api-calls, blocked, got "audit"',
    );
    expect((await run(config, ['prune', '--older-than', '3'])).error).toMatch(
      /unknown option '--older-than'/,
    );
    expect((await run(config, ['prune', '--log'])).error).toMatch(/argument missing/);
    expect(await stored()).toEqual({ api_call_log: 3, blocked_log: 3 });
  });

  it('--log prunes that log only, and the prune is recorded as the command', async () => {
    const { stdout, error } = await run(config, ['prune', '--log', 'blocked']);
    expect(error).toBeUndefined();
    expect(stdout).toMatch(/^blocked: 2 entries before \S+ deleted/);
    expect(await stored()).toEqual({ api_call_log: 3, blocked_log: 1 });
    const entry = (await activityRows(t)).find((row) => row.action_type === 'LOGS_PRUNED');
    expect(entry).toMatchObject({ actor_type: 'system', admin_user: 'cli', result: 'success' });
    expect(detailsOf(entry!)).toMatchObject({ log: 'blocked', deleted: 2 });
  });

  it('with no --log prunes every log: the shared table keeps what is not yet expired', async () => {
    const { stdout, error } = await run(config, ['prune']);
    expect(error).toBeUndefined();
    expect(stdout).toMatch(/^api-calls: 1 entry before \S+ deleted/m);
    expect(stdout).toMatch(/^failed-api-calls: 1 entry before \S+ deleted/m);
    expect(await stored()).toEqual({ api_call_log: 1, blocked_log: 1 });
  });

  it('anonymizes what is past anonymize_after_days, as the job does after pruning', async () => {
    const response = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { anonymize_after_days: { blocked: 1 } },
    });
    expect(response.statusCode).toBe(200);
    const { stdout, error } = await run(config, ['prune', '--log', 'blocked']);
    expect(error).toBeUndefined();
    expect(stdout).toMatch(/^blocked: 1 entry anonymized$/m);
    expect(stdout).not.toMatch(/^api-calls: .* anonymized/m);
    const { rows } = await sql<{ ip: string }>`select ip from blocked_log`.execute(t.services.core.db);
    expect(rows.map((row) => row.ip)).toEqual([expect.stringMatching(/^\d+\.\d+\.\d+\.0\/24$|::\/48$/)]);
  });
});
