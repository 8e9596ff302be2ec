import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerAdminCommand } from '../../src/cli/admin.command.js';
import { registerApiKeysCommand } from '../../src/cli/api-keys.command.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, DIALECTS } from '../helpers/database.js';

/** Runs a command in process, as main.ts wires it, capturing stdout lines and commander's errors. */
async function run(config: Config, args: string[]): Promise<{ lines: string[]; error?: string }> {
  const lines: string[] = [];
  const program = new Command('keymanager')
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: () => {} });
  const io = { out: (line: string) => lines.push(line) };
  registerAdminCommand(program, () => config, io);
  registerApiKeysCommand(program, () => config, io);
  try {
    await program.parseAsync(args, { from: 'user' });
    return { lines };
  } catch (error) {
    return { lines, error: (error as Error).message };
  }
}

describe.each(DIALECTS)('command line on %s', (dialect) => {
  let config: Config;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createTestDatabase(dialect);
    drop = created.drop;
    config = loadConfig({ KM_LOG_LEVEL: 'silent' });
    // A file, not :memory:, so each command's own connection sees the previous command's rows.
    config.database =
      created.database.kind === 'sqlite'
        ? { kind: 'sqlite', file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'km-cli-')), 'km.db') }
        : created.database;
  });
  afterAll(() => drop());

  it('creates an admin who can then sign in, and refuses a duplicate, a bad role and a short password', async () => {
    const ok = await run(config, [
      'admin',
      'create',
      '--email',
      'Ops@Example.test',
      '--password',
      'a long password',
      '--role',
      'security',
    ]);
    expect(ok.error).toBeUndefined();
    expect(ok.lines.at(-1)).toMatch(/^admin created: adm_\w+ ops@example.test \(security\)$/);
    expect(ok.lines.join('\n')).not.toContain('a long password');

    const services = await createServices(config);
    try {
      const result = await services.sessions.login({
        email: 'ops@example.test',
        password: 'a long password',
        ip: '1.2.3.4',
        userAgent: null,
      });
      expect(result.admin.role).toBe('security');
    } finally {
      await services.close();
    }

    const dup = await run(config, [
      'admin',
      'create',
      '--email',
      'ops@example.test',
      '--password',
      'a long password',
    ]);
    expect(dup.error).toBe('An admin with this email exists.');
    const role = await run(config, [
      'admin',
      'create',
      '--email',
      'r@example.test',
      '--password',
      'a long password',
      '--role',
      'god',
    ]);
    expect(role.error).toMatch(/--role.*god/);
    const short = await run(config, [
      'admin',
      'create',
      '--email',
      's@example.test',
      '--password',
      'tooshort',
    ]);
    expect(short.error).toBe('password must be at least 12 characters');
    expect(short.error).not.toContain('tooshort');
  });

  it('creates API keys and prints the secret alone on the last line', async () => {
    const admin = await run(config, [
      'api-keys',
      'create',
      '--name',
      'deploy',
      '--admin',
      '--role',
      'support',
      '--env',
      'test',
    ]);
    expect(admin.error).toBeUndefined();
    const secret = admin.lines.at(-1) ?? '';
    expect(secret).toMatch(/^km_test_[0-9A-Za-z]{32}$/);
    const licences = await run(config, ['api-keys', 'create', '--name', 'sdk', '--scope', 'licenses']);
    expect(licences.lines.at(-1)).toMatch(/^km_live_[0-9A-Za-z]{32}$/);

    const services = await createServices(config);
    try {
      const { apiKeys } = services;
      expect(await apiKeys.authenticate(secret)).toMatchObject({
        kind: 'api_key',
        scope: 'admin',
        role: 'support',
        name: 'deploy',
      });
      expect(await apiKeys.authenticate(licences.lines.at(-1) ?? '')).toMatchObject({
        scope: 'licenses',
        role: null,
      });
    } finally {
      await services.close();
    }

    expect((await run(config, ['api-keys', 'create', '--name', 'x'])).error).toMatch(/--admin or --scope/);
    expect(
      (await run(config, ['api-keys', 'create', '--name', 'x', '--scope', 'licenses', '--role', 'owner']))
        .error,
    ).toMatch(/--role/);
    expect((await run(config, ['api-keys', 'create', '--name', 'x', '--scope', 'admin'])).error).toMatch(
      /--scope/,
    );
  });
});

/**
 * The real entry point, end to end: exit status, stderr and stdout as an operator sees them. vite-node
 * (shipped with vitest) runs the TypeScript sources directly, so the test needs no build step.
 */
describe('the keymanager binary', () => {
  const exec = promisify(execFile);
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-bin-'));
  const cli = (...args: string[]) =>
    exec(path.resolve('node_modules/.bin/vite-node'), ['src/cli/main.ts', ...args], {
      env: { ...process.env, KM_DATA_DIR: dataDir, KM_LOG_LEVEL: 'silent', KM_DATABASE_URL: '' },
    }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );

  it('exits 0 with the secret last, and non-zero with a one-line reason', async () => {
    const created = await cli(
      'admin',
      'create',
      '--email',
      'bin@example.test',
      '--password',
      'a long password',
    );
    expect(created.code).toBe(0);
    const duplicate = await cli(
      'admin',
      'create',
      '--email',
      'bin@example.test',
      '--password',
      'a long password',
    );
    expect(duplicate.code).not.toBe(0);
    expect(duplicate.stderr).toBe('keymanager: An admin with this email exists.\n');
    const key = await cli('api-keys', 'create', '--name', 'ci', '--admin');
    expect(key.code).toBe(0);
    expect(key.stdout.trimEnd().split('\n').at(-1)).toMatch(/^km_live_[0-9A-Za-z]{32}$/);
  }, 60_000);
});
