import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, TEST_POSTGRES_URL } from '../helpers/database.js';
import { startRedisServer } from '../helpers/redis-server.js';

/**
 * A short-lived command (`keymanager api-keys create`) opens the services, does one thing and closes
 * them while Redis is still telling it "ready": the reads that notice starts must finish first.
 */
describe('services of a short-lived command, with PostgreSQL and Redis', () => {
  let redis: Awaited<ReturnType<typeof startRedisServer>> | null = null;
  let drop: () => Promise<void> = async () => {};
  let env: Record<string, string> = {};

  beforeAll(async () => {
    redis = await startRedisServer();
    const created = await createTestDatabase('postgres');
    drop = created.drop;
    const schema = (created.database as { schema: string }).schema;
    env = {
      KM_DATABASE_URL: `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`,
      KM_REDIS_URL: redis.url,
    };
  }, 60_000);

  afterAll(async () => {
    await redis?.stop();
    await drop();
  });

  it('closes without a read left running against the closed database', async () => {
    const errors: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void errors.push(line) });
    for (let run = 0; run < 3; run++) {
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-close-'));
      const services = await createServices(loadConfig({ ...env, KM_DATA_DIR: dataDir }), { logger });
      await services.apiKeys.create({ name: `ops ${run}`, scope: 'admin', role: 'owner' });
      await services.close();
    }
    // Whatever was still in flight would report after close; give it the time to.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(errors).toEqual([]);
  });
});
