import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import pino from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config/config.js';
import type { Dialect } from '../../src/db/database.js';
import { createServices, type Services } from '../../src/services.js';
import { manualClock } from '../../src/shared/clock.js';
import { createTestDatabase } from './database.js';

export interface TestContext {
  app: FastifyInstance;
  services: Services;
  clock: ReturnType<typeof manualClock>;
  /** Every delay the server asked for (login slow-down), instead of waiting for it. */
  sleeps: number[];
  /** An admin-scope API key with the `owner` role, for setting up data through the API. */
  ownerKey: string;
  /** app.inject with the owner key unless the options carry their own headers. */
  request(options: InjectOptions & { key?: string | null }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/** Builds the real app on SQLite or on a fresh PostgreSQL schema, with a manual clock. */
export async function createTestApp(
  dialect: Dialect,
  configure: (config: Config) => void = () => {},
): Promise<TestContext> {
  const { database, drop } = await createTestDatabase(dialect);
  const config = loadConfig({ KM_LOG_LEVEL: 'silent' });
  config.database = database;
  // Each app its own data directory: the log journal and hash secret live there.
  config.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-test-'));
  // The archive directory defaults inside the data directory as the variables were read: move it along.
  config.archive.dir = path.join(config.dataDir, 'archive');
  configure(config);
  const clock = manualClock(new Date());
  const sleeps: number[] = [];
  const services = await createServices(config, {
    clock,
    logger: pino({ level: 'silent' }),
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  });
  const app = await buildApp(services);
  const { secret: ownerKey } = await services.apiKeys.create({
    name: 'test owner',
    scope: 'admin',
    role: 'owner',
  });
  return {
    app,
    services,
    clock,
    sleeps,
    ownerKey,
    request: ({ key, headers, ...options }) => {
      const auth = key === null ? {} : { authorization: `Bearer ${key ?? ownerKey}` };
      return app.inject({ ...options, headers: { ...auth, ...headers } });
    },
    close: async () => {
      await app.close();
      await services.close();
      await drop();
    },
  };
}
