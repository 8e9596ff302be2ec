import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerLogsCommand, type LogsIo } from '../../src/cli/logs.command.js';
import type { Config } from '../../src/config/config.js';
import { signCheckpoint } from '../../src/logging/integrity/checkpoint.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

function capture() {
  const stdout = new PassThrough();
  const stderr = Object.assign(new PassThrough(), { isTTY: false });
  const text = (stream: PassThrough) => {
    let out = '';
    stream.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    return () => out;
  };
  return { io: { stdout, stderr } as LogsIo, out: text(stdout), err: text(stderr) };
}

async function run(config: Config, args: string[]) {
  const { io, out, err } = capture();
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

describe.each(DIALECTS)('keymanager logs checkpoints and verify on %s', (dialect) => {
  let t: TestContext;
  let config: Config;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-verify-cli-'));
    t = await createTestApp(dialect, (c) => {
      if (c.database.kind === 'sqlite') c.database = { kind: 'sqlite', file: path.join(dir, 'km.db') };
      config = c;
    });
    for (let i = 0; i < 3; i++) {
      await t.services.integrity!.job.runOnce();
      t.clock.advance(60_000);
    }
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const actions = async (action: string) =>
    await t.services.activity.repository.list({ action_type: action as never });

  it('prints every checkpoint as NDJSON, each log newest first, and records the export', async () => {
    const { stdout, stderr, error } = await run(config, ['checkpoints']);
    expect(error).toBeUndefined();
    const lines = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { log: string; number: number });
    expect(lines.map((c) => `${c.log}:${c.number}`)).toEqual(
      ['activity', 'api_calls', 'failed_api_calls', 'blocked'].flatMap((log) =>
        [3, 2, 1].map((n) => `${log}:${n}`),
      ),
    );
    expect(stderr).toBe('12 checkpoints\n');
    const only = await run(config, ['checkpoints', '--log', 'api-calls']);
    expect(only.stdout.trim().split('\n')).toHaveLength(3);
    const [entry] = await actions('LOG_CHECKPOINTS_EXPORTED');
    expect(entry).toMatchObject({ actor_type: 'system', channel: 'cli', result: 'success' });
  });

  it('verifies a sound log with exit status zero, a summary per log, and records it', async () => {
    const { stdout, error } = await run(config, ['verify']);
    expect(error).toBeUndefined();
    // The activity log holds the command-line actions recorded so far, each read back and rehashed.
    expect(stdout).toMatch(/^activity: [1-9]\d* entries, 3 checkpoints checked$/m);
    expect(stdout).toContain('blocked: 0 entries, 3 checkpoints checked\n');
    expect(stdout.trim().split('\n').at(-1)).toBe('no problems found');
    const [entry] = await actions('LOGS_VERIFIED');
    expect(entry).toMatchObject({ actor_type: 'system', channel: 'cli', result: 'success' });
  });

  it('detects a re-sealed chain against an exported copy of the checkpoints', async () => {
    const copy = path.join(dir, `copy-${dialect}.ndjson`);
    fs.writeFileSync(copy, (await run(config, ['checkpoints', '--log', 'activity'])).stdout);
    // Someone with the database and the signing key rewrites the chain and signs it all again.
    const forged = Buffer.alloc(32, 1).toString('hex');
    const { db } = t.services.core;
    await db
      .updateTable('log_chain_heads')
      .set({ head: Buffer.from(forged, 'hex') })
      .where('log', '=', 'activity')
      .execute();
    const stored = await t.services.integrity!.checkpoints.list({ log: 'activity', limit: 10 });
    await db.deleteFrom('log_checkpoints').where('log', '=', 'activity').execute();
    let previous: string | null = null;
    for (const checkpoint of stored.reverse()) {
      const resealed = signCheckpoint(
        { ...checkpoint, head: forged, previous },
        t.services.integrity!.key.privateKey,
      );
      await t.services.integrity!.checkpoints.insert(resealed);
      previous = resealed.signature;
    }
    const alone = await run(config, ['verify', '--log', 'activity']);
    expect(alone.stdout).toContain('head_mismatch'); // the genesis head is fixed: a count of 0 cannot move it
    const against = await run(config, ['verify', '--log', 'activity', '--checkpoints', copy]);
    expect(against.error).toBe('verification found 4 problems');
    // The forged head is not where the stored entries lead, and the copy disagrees with every checkpoint.
    expect(against.stdout).toMatch(/^activity entry_modified seq \d+ id log_\w+: /m);
    for (const n of [3, 2, 1]) {
      expect(against.stdout).toContain(
        `activity checkpoint_invalid checkpoint ${n}: the database holds another checkpoint under this number than the exported copy\n`,
      );
    }
  });

  it('reports a missing checkpoint and exits non-zero', async () => {
    await t.services.core.db
      .deleteFrom('log_checkpoints')
      .where('log', '=', 'blocked')
      .where('number', '=', 2)
      .execute();
    const { stdout, error } = await run(config, ['verify', '--log', 'blocked']);
    expect(error).toBe('verification found 1 problem');
    expect(stdout).toContain('blocked checkpoint_missing checkpoint 2: checkpoint 2 is missing\n');
    expect(stdout).toContain('blocked: 0 entries, 2 checkpoints checked\n');
  });

  it('refuses bad options with one clear line, before reading anything', async () => {
    const key = path.join(dir, 'not-a-key.pem');
    fs.writeFileSync(key, 'nope');
    const bad = path.join(dir, 'bad.ndjson');
    fs.writeFileSync(bad, '{"log":"activity"}\n');
    expect((await run(config, ['verify', '--log', 'nope'])).error).toBe(
      '--log must be activity, api-calls, failed-api-calls or blocked',
    );
    expect((await run(config, ['verify', '--public-key', key])).error).toBe(
      `--public-key ${key} is not a public key in PEM form`,
    );
    expect((await run(config, ['verify', '--checkpoints', bad])).error).toBe(
      `--checkpoints ${bad} line 1 is not a checkpoint (number)`,
    );
    expect((await run(config, ['verify', '--checkpoints', path.join(dir, 'none')])).error).toMatch(
      /cannot be read \(ENOENT\)/,
    );
    expect((await run(config, ['checkpoints', '--from', 'yesterday'])).error).toBe(
      '--from must be a date-time',
    );
    expect(
      (await run(config, ['verify', '--from', '2026-02-01T00:00:00Z', '--to', '2026-01-01T00:00:00Z'])).error,
    ).toBe('--to must not be before from');
  });
});

describe.each(DIALECTS)('keymanager logs verify --expect-recent on %s', (dialect) => {
  let t: TestContext;
  let config: Config;
  let dir: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-verify-recent-'));
    t = await createTestApp(dialect, (c) => {
      if (c.database.kind === 'sqlite') c.database = { kind: 'sqlite', file: path.join(dir, 'km.db') };
      config = c;
    });
    // Checkpoints that stopped ten minutes ago (a stopped job, or the newest ones removed).
    t.clock.set(new Date(Date.now() - 10 * 60_000));
    for (let i = 0; i < 3; i++) {
      await t.services.integrity!.job.runOnce();
      t.clock.advance(60_000);
    }
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reports checkpoints that stopped as a gap only when told the server is running', async () => {
    expect((await run(config, ['verify', '--log', 'blocked'])).error).toBeUndefined();
    const { stdout, error } = await run(config, ['verify', '--log', 'blocked', '--expect-recent']);
    expect(error).toBe('verification found 1 problem');
    expect(stdout).toMatch(
      /^blocked checkpoint_gap checkpoint 3: the newest checkpoint ends \S+, more than two intervals ago$/m,
    );
  });
});
