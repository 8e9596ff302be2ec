import type { FastifyBaseLogger } from 'fastify';
import type { Config } from '../config/config.js';
import type { DatabaseHandle, Db } from '../db/database.js';
import type { Clock } from './clock.js';
import type { IdGenerator } from './ids.js';

/** What every feature's service factory is built from; see services.ts. */
export interface CoreDeps {
  config: Config;
  database: DatabaseHandle;
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  logger: FastifyBaseLogger;
  /** Injected so login slow-downs are tested without waiting. */
  sleep(ms: number): Promise<void>;
}
