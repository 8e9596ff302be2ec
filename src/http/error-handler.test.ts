import type { FastifyError } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../../test/helpers/app.js';
import { DIALECTS } from '../../test/helpers/database.js';
import { registeredRoutes } from '../../test/helpers/routes.js';
import { toAppError } from './error-handler.js';
import { AppError } from './errors.js';

function fastifyError(code: string, statusCode: number, extra: Partial<FastifyError> = {}): FastifyError {
  return Object.assign(new Error(`${code} happened`), { code, statusCode, name: 'FastifyError', ...extra });
}

describe('toAppError', () => {
  it('passes an AppError through untouched', () => {
    const error = new AppError('ERR_CONFLICT', 'Code already used.', { field: 'code' });
    expect(toAppError(error)).toBe(error);
  });

  it('turns schema validation errors into 422 with one entry per field', () => {
    const error = fastifyError('FST_ERR_VALIDATION', 400, {
      validation: [
        { keyword: 'required', instancePath: '', params: { missingProperty: 'name' } },
        { keyword: 'additionalProperties', instancePath: '', params: { additionalProperty: 'colour' } },
        { keyword: 'type', instancePath: '/metadata/tier', params: {}, message: 'must be string' },
        { keyword: 'minLength', instancePath: '/metadata/tier', params: {}, message: 'second complaint' },
      ] as never,
      validationContext: 'body',
    });
    const result = toAppError(error);
    expect(result.code).toBe('ERR_VALIDATION');
    expect(result.status).toBe(422);
    expect(result.details).toEqual([
      { field: 'name', message: 'is required' },
      { field: 'colour', message: 'is not an allowed field' },
      { field: 'metadata.tier', message: 'must be string' },
    ]);
  });

  it('answers an oversized body with 413', () => {
    expect(toAppError(fastifyError('FST_ERR_CTP_BODY_TOO_LARGE', 413)).code).toBe('ERR_PAYLOAD_TOO_LARGE');
  });

  it.each([
    ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 415],
    ['FST_ERR_CTP_EMPTY_JSON_BODY', 400],
    ['FST_ERR_CTP_INVALID_CONTENT_LENGTH', 400],
    ['FST_ERR_CTP_INVALID_JSON_BODY', 400],
    ['FST_ERR_CTP_BODY_NOT_PARSABLE', 400],
    ['FST_ERR_BAD_URL', 400],
    ['SOME_FUTURE_PARSER_ERROR', 400],
  ])('answers the protocol violation %s with 400 ERR_MALFORMED_REQUEST', (code, status) => {
    const result = toAppError(fastifyError(code, status));
    expect([result.code, result.status]).toEqual(['ERR_MALFORMED_REQUEST', 400]);
  });

  it('answers a JSON syntax error with 400', () => {
    expect(toAppError(new SyntaxError('Unexpected token } in JSON')).code).toBe('ERR_MALFORMED_REQUEST');
  });

  it('hides anything unexpected behind 500 ERR_INTERNAL, without its message', () => {
    const cause = new Error('connect ECONNREFUSED postgres://admin:hunter2@db/keymanager');
    const result = toAppError(cause);
    expect([result.code, result.status]).toEqual(['ERR_INTERNAL', 500]);
    expect(result.message).not.toContain('hunter2');
    expect(result.details).toBeUndefined();
  });
});

const KB = 1024;
const oversized = JSON.stringify({ filler: 'x'.repeat(1024 * KB) });

describe.each(DIALECTS)('bad input at the HTTP layer on %s', (dialect) => {
  let t: TestContext;
  let postRoute: string | undefined;
  let listRoute: string | undefined;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    const routes = registeredRoutes(t.app).filter(
      (r) => r.url.startsWith('/api/v1/') && !r.url.includes(':'),
    );
    postRoute = routes.find((r) => r.method === 'POST')?.url;
    // A list that certainly reads the database (the contract's products list), once it exists.
    listRoute = routes.find((r) => r.method === 'GET' && r.url === '/api/v1/products')?.url;
  });
  afterAll(() => t.close());

  const envelope = (code: string) => ({ error: { code, message: expect.any(String) } });
  const json = { 'content-type': 'application/json' };

  it.each(['GET', 'POST', 'DELETE'] as const)('answers %s on an unknown route with 404', async (method) => {
    const response = await t.request({ method, url: '/api/v1/no-such-thing', key: null });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual(envelope('ERR_NOT_FOUND'));
  });

  it('answers a body over 1 MiB with 413 even where no route matches', async () => {
    const response = await t.request({ method: 'POST', url: '/nowhere', payload: oversized, headers: json });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual(envelope('ERR_PAYLOAD_TOO_LARGE'));
  });

  it('answers unparsable JSON with 400 even where no route matches', async () => {
    const response = await t.request({ method: 'POST', url: '/nowhere', payload: '{"a":', headers: json });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(envelope('ERR_MALFORMED_REQUEST'));
  });

  it('rejects an oversized body on a real POST route before authentication', async (context) => {
    if (!postRoute) return context.skip('no POST /api/v1 route is registered yet');
    const response = await t.request({
      method: 'POST',
      url: postRoute,
      payload: oversized,
      headers: json,
      key: null,
    });
    expect(response.statusCode).toBe(413);
    expect(response.json()).toEqual(envelope('ERR_PAYLOAD_TOO_LARGE'));
  });

  it('rejects unparsable JSON on a real POST route with 400', async (context) => {
    if (!postRoute) return context.skip('no POST /api/v1 route is registered yet');
    const response = await t.request({ method: 'POST', url: postRoute, payload: '{"name":', headers: json });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(envelope('ERR_MALFORMED_REQUEST'));
  });

  it('answers an unsupported content type on a real POST route with 400', async (context) => {
    if (!postRoute) return context.skip('no POST /api/v1 route is registered yet');
    const response = await t.request({
      method: 'POST',
      url: postRoute,
      payload: '<license/>',
      headers: { 'content-type': 'application/xml' },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual(envelope('ERR_MALFORMED_REQUEST'));
  });

  it('answers 500 ERR_INTERNAL without the cause when the database fails mid-request', async (context) => {
    if (!listRoute) return context.skip('GET /api/v1/products is not registered yet');
    const other = await createTestApp(dialect);
    try {
      await other.services.core.database.destroy();
      const response = await other.request({ method: 'GET', url: listRoute });
      expect(response.statusCode).toBe(500);
      expect(response.json()).toEqual(envelope('ERR_INTERNAL'));
      expect(response.body).not.toMatch(/destroy|pool|sqlite|postgres/i);
    } finally {
      await other.close();
    }
  });
});
