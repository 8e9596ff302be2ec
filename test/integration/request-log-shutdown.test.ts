import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { unaudited } from '../../src/logging/activity.service.js';
import { createServices } from '../../src/services.js';
import { createTestDatabase, DIALECTS, TEST_POSTGRES_URL } from '../helpers/database.js';
import { storedApiCalls } from '../helpers/request-logs.js';
import { buildDist, startServer } from '../helpers/server-process.js';

const CLIENTS = 32;

interface Received {
  agent: string;
  status: number;
}

/**
 * 32 clients each send requests back to back (a success, then a validation failure, alternating)
 * until the server goes away, remembering every response they actually received.
 */
function runClients(url: string, key: string, stop: () => boolean): Promise<Received[]> {
  const received: Received[] = [];
  const client = async (c: number) => {
    for (let n = 0; !stop(); n++) {
      const agent = `client-${c}-${n}`;
      const failing = n % 2 === 1;
      try {
        const response = await fetch(`${url}/api/v1/products`, {
          method: failing ? 'POST' : 'GET',
          headers: {
            authorization: `Bearer ${key}`,
            'user-agent': agent,
            ...(failing ? { 'content-type': 'application/json' } : {}),
          },
          body: failing ? '{}' : undefined,
        });
        await response.arrayBuffer();
        // The server is closing: it answers before any route runs, so there is no entry to expect.
        if (response.status === 503) return;
        received.push({ agent, status: response.status });
      } catch {
        return;
      }
    }
  };
  return Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c))).then(() => received);
}

describe.each(DIALECTS)('log entries survive the server being stopped on %s', (dialect) => {
  beforeAll(() => {
    buildDist();
  }, 120_000);

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`leaves an entry for every response the clients received after ${signal}`, async () => {
      const created = await createTestDatabase(dialect);
      const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), `km-${signal}-`));
      const env: Record<string, string> = { KM_DATA_DIR: dataDir };
      if (created.database.kind === 'postgres') {
        env.KM_DATABASE_URL = `${TEST_POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${created.database.schema}`)}`;
      }
      const config = loadConfig(env);
      const setup = await createServices(config, { logger: pino({ level: 'silent' }) });
      const { secret } = await setup.apiKeys.create({ name: 'load', scope: 'admin', role: 'owner' });
      // One address sends all the load: its rate limit must not be what this test measures.
      await setup.securityRules.updateRateLimits(
        { per_ip: { limit: 1_000_000, window_seconds: 1 } },
        unaudited(setup.core.db),
        null,
      );
      await setup.close();

      const { child, url } = await startServer(env);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      let stopped = false;
      const clients = runClients(url, secret, () => stopped);
      const killAfter = (async () => {
        const until = Date.now() + 5000;
        // Kill once a few hundred responses are in, with every client mid-flight.
        while (Date.now() < until) {
          await new Promise((resolve) => setTimeout(resolve, 50));
          const res = await fetch(`${url}/metrics`).then((r) => r.text());
          const queued = /keymanager_log_entries_queued_total\{log="api_calls"\} (\d+)/.exec(res);
          if (queued && Number(queued[1]) > 300) break;
        }
        child.kill(signal);
      })();
      await killAfter;
      const code = await exited;
      stopped = true;
      const received = await clients;
      expect(received.length).toBeGreaterThan(300);
      expect(received.some((r) => r.status === 422)).toBe(true);
      if (signal === 'SIGTERM') {
        expect(code).toBe(0);
        // A graceful stop writes everything before exiting: nothing is left to replay.
        expect(fs.readdirSync(path.join(dataDir, 'log-journal'))).toEqual([]);
      }

      // The next start replays the journal (after SIGKILL); then every answer has its entry.
      const after = await createServices(config, { logger: pino({ level: 'silent' }) });
      after.requestLogs.pipeline.start();
      await after.requestLogs.flush();
      const rows = await storedApiCalls(after.core.db)
        .select('status')
        .where('log_endpoints.value', '=', '/api/v1/products')
        .execute();
      await after.close();
      await created.drop();
      const logged = new Map(rows.map((row) => [row.user_agent, row.status]));
      const missing = received.filter((r) => logged.get(r.agent) !== r.status);
      expect(missing).toEqual([]);
    }, 60_000);
  }
});
