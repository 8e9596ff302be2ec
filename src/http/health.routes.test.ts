import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../../test/helpers/app.js';
import { DIALECTS } from '../../test/helpers/database.js';

describe.each(DIALECTS)('health checks on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  it('answers /healthz without credentials', async () => {
    const response = await t.request({ method: 'GET', url: '/healthz', key: null });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz while the database is reachable', async () => {
    const response = await t.request({ method: 'GET', url: '/readyz', key: null });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('ignores credentials on the health checks, even wrong ones', async () => {
    const response = await t.request({ method: 'GET', url: '/readyz', key: 'km_live_wrong' });
    expect(response.statusCode).toBe(200);
  });
});

describe.each(DIALECTS)('readiness without a database on %s', (dialect) => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestApp(dialect);
  });
  afterEach(() => t.close());

  it('answers /readyz with 503 ERR_NOT_READY once the database is gone, and stays alive', async () => {
    await t.services.core.database.destroy();

    const ready = await t.request({ method: 'GET', url: '/readyz', key: null });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ error: { code: 'ERR_NOT_READY', message: expect.any(String) } });

    const alive = await t.request({ method: 'GET', url: '/healthz', key: null });
    expect(alive.statusCode).toBe(200);
  });
});
