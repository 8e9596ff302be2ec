import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { registerLogsCommand, type LogsIo } from '../../src/cli/logs.command.js';
import type { Config } from '../../src/config/config.js';
import { idBoundary } from '../../src/logging/log-entry.js';
import { idToBytes } from '../../src/logging/request-log.codec.js';
import { activitySeeder, seedActivity } from './activity-seed.js';
import type { TestContext } from './app.js';
import { IN_2025, seedDataset } from './request-log-dataset.js';
import { requestLogSeeder, seedRequestLogs } from './request-log-seed.js';
import type { LogEntry } from './request-logs.js';

/** Runs `keymanager logs …` in process, as main.ts wires it. */
export async function runLogs(config: Config, args: string[]) {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  let out = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  const program = new Command('keymanager')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  registerLogsCommand(program, () => config, { stdout, stderr } as LogsIo);
  try {
    await program.parseAsync(['logs', ...args], { from: 'user' });
    return { stdout: out };
  } catch (error) {
    return { stdout: out, error: (error as Error).message };
  }
}

/** Every entry of one log in 2025 as the search API returns it, every page. */
export async function apiList(t: TestContext, log: string): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  let cursor: string | null = null;
  do {
    const page: { data: LogEntry[]; next_cursor: string | null } = (
      await t.request({
        method: 'GET',
        url: `/api/v1/logs/${log}?${IN_2025}&limit=200${cursor ? `&cursor=${cursor}` : ''}`,
      })
    ).json();
    entries.push(...page.data);
    cursor = page.next_cursor;
  } while (cursor);
  return entries;
}

/** What retention does once entries are archived: they leave the tables. */
export async function deleteBefore(t: TestContext, before: Date): Promise<void> {
  const db = t.services.core.db;
  const bound = idBoundary('log', before, false);
  await db.deleteFrom('api_call_log').where('id', '<', idToBytes(bound)).execute();
  await db.deleteFrom('blocked_log').where('id', '<', idToBytes(bound)).execute();
  await db.deleteFrom('activity_log').where('id', '<', bound).execute();
}

/** Entries of 2025 on several days, in every log, beside those of the shared data set. */
export async function seed2025(t: TestContext): Promise<void> {
  await seedDataset(t);
  const activity = activitySeeder('2025-03-01T23:59:58.000Z');
  const rows = Array.from({ length: 12 }, (_, i) => {
    activity.clock.advance(700);
    return activity.row({
      action_type: i % 3 === 0 ? 'LICENSE_SUSPENDED' : 'LICENSE_UPDATED',
      resource_type: 'license',
      resource_id: `lic_${i}`,
      resource: `License lic_${i}`,
      details: { changes: { max_activations: { before: i, after: i + 1 } }, note: 'ünïcode ✓' },
      ip: i % 2 ? '203.0.113.7' : '2001:db8::1',
      session_id: i % 2 ? 'ses_1' : null,
      user_agent: 'Mozilla/5.0',
      // One entry whose timestamp its id does not give (recorded before ids carried the time).
      ...(i === 5 && { timestamp: '2025-03-02T00:00:01.000Z' }),
    });
  });
  await seedActivity(t.services.core.db, rows);
  const calls = requestLogSeeder('2025-06-02T23:59:59.000Z');
  const more = Array.from({ length: 6 }, (_, i) => {
    calls.clock.advance(400);
    return calls.apiCall({ status: i % 3 === 0 ? 429 : 200, ip: i % 2 ? '198.51.100.7' : null });
  });
  await seedRequestLogs(t, more, [calls.blocked({ ip: null, user_agent: null })]);
}
