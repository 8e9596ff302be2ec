import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminAction } from '../../src/cli/admin.command.js';
import { createApiKeyAction } from '../../src/cli/api-keys.command.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, DIALECTS } from '../helpers/database.js';

const quiet = { out: () => {} };

describe.each(DIALECTS)('command-line actions in the activity log on %s', (dialect) => {
  let config: Config;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createTestDatabase(dialect);
    drop = created.drop;
    config = loadConfig({ KM_LOG_LEVEL: 'silent' });
    config.database =
      created.database.kind === 'sqlite'
        ? { kind: 'sqlite', file: path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'km-act-')), 'km.db') }
        : created.database;
  });
  afterAll(() => drop());

  it('records admin create and api-keys create as system actions on the cli channel, without secrets', async () => {
    const password = 'CANARY-cli-password';
    const admin = await createAdminAction(
      config,
      { email: 'cli@example.test', password, role: 'admin' },
      quiet,
    );
    const { apiKey, secret } = await createApiKeyAction(
      config,
      { name: 'deploy', admin: true, env: 'live' },
      quiet,
    );
    await expect(
      createAdminAction(config, { email: 'cli@example.test', password, role: 'admin' }, quiet),
    ).rejects.toThrow();

    const services = await createServices(config);
    try {
      const rows = await services.activity.repository.list();
      expect(rows.map((r) => [r.action_type, r.result, r.resource_id, r.error_code])).toEqual([
        ['ADMIN_CREATED', 'success', admin.id, null],
        ['API_KEY_CREATED', 'success', apiKey.id, null],
        ['ADMIN_CREATED', 'failure', null, 'ERR_CONFLICT'],
      ]);
      for (const row of rows) {
        expect(row).toMatchObject({ actor_type: 'system', channel: 'cli', admin_user: 'cli', ip: null });
      }
      const text = JSON.stringify(rows);
      expect(text).not.toContain(password);
      expect(text).not.toContain(secret.slice(8));
      expect(text).toContain(apiKey.masked);
    } finally {
      await services.close();
    }
  });
});
