import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createServices, type Services } from '../../src/services.js';
import { createTestDatabase, DIALECTS } from '../helpers/database.js';

/** Canary secrets go through every access flow with the most verbose logger; none may reach a log line. */
describe.each(DIALECTS)('secrets stay out of logs on %s', (dialect) => {
  const lines: string[] = [];
  let services: Services;
  let app: Awaited<ReturnType<typeof buildApp>>;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createTestDatabase(dialect);
    drop = created.drop;
    const config = loadConfig({ KM_LOG_LEVEL: 'trace' });
    config.database = created.database;
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    services = await createServices(config, {
      logger: pino({ level: 'trace' }, stream),
      sleep: async () => {},
    });
    app = await buildApp(services);
  });
  afterAll(async () => {
    await app.close();
    await services.close();
    await drop();
  });

  it('logs no password, session token, CSRF token or API key', async () => {
    const password = 'CANARY-pw-4f1c9a2b';
    const newPassword = 'CANARY-new-7d3e8b1a';
    const { secret: ownerKey } = await services.apiKeys.create({ name: 'o', scope: 'admin', role: 'owner' });
    const auth = { authorization: `Bearer ${ownerKey}` };
    await app.inject({
      method: 'POST',
      url: '/api/v1/admins',
      headers: auth,
      payload: { email: 'canary@example.test', password, role: 'admin' },
    });
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'canary@example.test', password: `${password}-wrong` },
    });
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'canary@example.test', password },
    });
    const token = ok.cookies.find((c) => c.name === 'km_session')?.value ?? 'missing';
    const csrf = ok.json().csrf_token as string;
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/password',
      cookies: { km_session: token },
      headers: { 'x-csrf-token': csrf },
      payload: { current_password: password, new_password: newPassword },
    });
    const key = await app.inject({
      method: 'POST',
      url: '/api/v1/api-keys',
      headers: auth,
      payload: { name: 'k', scope: 'licenses' },
    });
    expect(key.statusCode).toBe(201);
    const log = lines.join('');
    for (const secret of [
      password,
      newPassword,
      token.slice(5),
      csrf,
      ownerKey.slice(8),
      key.json().secret.slice(8),
    ]) {
      expect(log).not.toContain(secret);
    }
  });
});
