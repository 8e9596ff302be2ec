import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/database.js';
import { createTestApp, type TestContext } from '../helpers/app.js';

describe.each(DIALECTS)('the error envelope on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  it('answers an unknown route with 404 ERR_NOT_FOUND in the envelope', async () => {
    const response = await t.request({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ error: { code: 'ERR_NOT_FOUND', message: expect.any(String) } });
  });

  it('reports the service healthy and ready', async () => {
    expect((await t.request({ method: 'GET', url: '/healthz', key: null })).json()).toEqual({ status: 'ok' });
    expect((await t.request({ method: 'GET', url: '/readyz', key: null })).json()).toEqual({
      status: 'ready',
    });
  });
});
