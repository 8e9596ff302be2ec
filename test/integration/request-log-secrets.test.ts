import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createDiagnosticLogger } from '../../src/logging/diagnostic-logger.js';
import { createServices, type Services } from '../../src/services.js';
import type { FastifyInstance } from 'fastify';
import { createTestDatabase, DIALECTS } from '../helpers/database.js';

const CANARY_PASSWORD = 'canary-password-7f3a9';
const CANARY_TOKEN = 'canary-token-b81c2';
const CANARY_SESSION = 'sess_canarySessionToken0123456789';
const CANARY_FAKE_KEY = 'km_live_CanaryCanaryCanaryCanaryCanary12';

describe.each(DIALECTS)('no secret reaches a log, an export or diagnostic output on %s', (dialect) => {
  let app: FastifyInstance;
  let services: Services;
  let drop: () => Promise<void>;
  let dataDir: string;
  const diagnostic: string[] = [];
  let secrets: string[];
  let ownerKey: string;

  beforeAll(async () => {
    const created = await createTestDatabase(dialect);
    drop = created.drop;
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-canary-'));
    const config = loadConfig({ KM_LOG_LEVEL: 'trace' });
    config.database = created.database;
    config.dataDir = dataDir;
    const sink = new Writable({
      write(chunk, _encoding, done) {
        diagnostic.push(String(chunk));
        done();
      },
    });
    services = await createServices(config, { logger: createDiagnosticLogger('trace', sink) });
    app = await buildApp(services);
    ownerKey = (await services.apiKeys.create({ name: 'owner', scope: 'admin', role: 'owner' })).secret;
    const auth = { authorization: `Bearer ${ownerKey}` };
    const product = (
      await app.inject({ method: 'POST', url: '/api/v1/products', headers: auth, payload: { name: 'P' } })
    ).json();
    const license = (
      await app.inject({
        method: 'POST',
        url: '/api/v1/licenses',
        headers: auth,
        payload: { product_id: product.id },
      })
    ).json();
    const sdk = (await services.apiKeys.create({ name: 'sdk', scope: 'licenses' })).secret;
    secrets = [license.key, sdk, ownerKey, CANARY_PASSWORD, CANARY_TOKEN, CANARY_SESSION, CANARY_FAKE_KEY];

    const query = `?license_key=${license.key}&api_key=${CANARY_FAKE_KEY}&token=${CANARY_TOKEN}`;
    const headers = {
      authorization: `Bearer ${sdk}`,
      cookie: `km_session=${CANARY_SESSION}`,
      'user-agent': `sdk ${CANARY_FAKE_KEY} ${license.key}`,
      'x-api-key': CANARY_FAKE_KEY,
    };
    const body = { license_key: license.key, password: CANARY_PASSWORD, deep: { api_key: CANARY_FAKE_KEY } };
    // Successful, failing (validation, not found in the path, wrong key) and malformed requests.
    await app.inject({
      method: 'POST',
      url: `/api/v1/licenses/validate${query}`,
      headers,
      payload: { license_key: license.key },
    });
    await app.inject({ method: 'POST', url: `/api/v1/licenses/validate${query}`, headers, payload: body });
    await app.inject({ method: 'GET', url: `/api/v1/licenses/${license.key}${query}`, headers: auth });
    await app.inject({
      method: 'POST',
      url: `/api/v1/licenses/validate${query}`,
      headers: { ...headers, authorization: `Bearer ${CANARY_FAKE_KEY}` },
      payload: body,
    });
    await app.inject({
      method: 'POST',
      url: `/api/v1/licenses/validate${query}`,
      headers: { ...headers, 'content-type': 'application/json' },
      payload: `{"license_key":"${license.key}","password":"${CANARY_PASSWORD}"`,
    });
    // A server error whose message carries a secret, for the diagnostic output.
    const api = services.licensing.licenseApi as unknown as Record<string, unknown>;
    const original = api.validate;
    api.validate = async () => {
      throw new Error(`lookup failed for ${license.key} with ${sdk}`);
    };
    await app.inject({
      method: 'POST',
      url: `/api/v1/licenses/validate${query}`,
      headers,
      payload: { license_key: license.key },
    });
    api.validate = original;
    await services.requestLogs.flush();
  });
  afterAll(async () => {
    await app.close();
    await services.close();
    await drop();
  });

  const expectNoSecret = (where: string, text: string) => {
    for (const secret of secrets) expect(text, `${where} holds ${secret}`).not.toContain(secret);
  };

  it('keeps them out of every stored row', async () => {
    const apiCalls = await services.core.db.selectFrom('api_call_log').selectAll().execute();
    const blocked = await services.core.db.selectFrom('blocked_log').selectAll().execute();
    expect(apiCalls.filter((row) => row.status >= 400).length).toBeGreaterThanOrEqual(4);
    expect(blocked).toHaveLength(1);
    expectNoSecret('api_call_log', JSON.stringify(apiCalls));
    expectNoSecret('blocked_log', JSON.stringify(blocked));
    // Route patterns and user agents are stored once, in their dictionaries.
    for (const table of ['log_endpoints', 'log_user_agents'] as const) {
      const values = await services.core.db.selectFrom(table).select('value').execute();
      expect(values.length).toBeGreaterThan(0);
      expectNoSecret(table, JSON.stringify(values));
    }
  });

  it('keeps them out of every list and export', async () => {
    for (const log of ['api-calls', 'failed-api-calls', 'blocked']) {
      for (const format of ['json', 'ndjson']) {
        const response = await app.inject({
          method: 'GET',
          url: `/api/v1/logs/${log}?format=${format}`,
          headers: { authorization: `Bearer ${ownerKey}` },
        });
        expect(response.statusCode).toBe(200);
        expect(response.body.length).toBeGreaterThan(10);
        expectNoSecret(`${log} ${format}`, response.body);
      }
    }
  });

  it('keeps them out of the journal on disk and the diagnostic output', () => {
    const journal = path.join(dataDir, 'log-journal');
    for (const file of fs.readdirSync(journal))
      expectNoSecret(file, fs.readFileSync(path.join(journal, file), 'utf8'));
    const output = diagnostic.join('');
    expect(output).toContain('request failed');
    expectNoSecret('diagnostic output', output);
  });
});
