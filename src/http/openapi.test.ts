import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../../test/helpers/app.js';
import { DIALECTS } from '../../test/helpers/database.js';
import { registeredRoutes, type RegisteredRoute } from '../../test/helpers/routes.js';

type Json = Record<string, unknown>;
interface Operation {
  responses?: Record<string, { description?: unknown; content?: Record<string, { schema?: unknown }> }>;
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean }[];
}
type OpenApi = {
  openapi: string;
  info: { title: unknown; version: unknown };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown> };
  security?: Record<string, string[]>[];
} & Json;

const OPERATION_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

const toOpenApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** The structural rules of OpenAPI 3 a client generator relies on; returns what is wrong. */
function openApiProblems(doc: OpenApi): string[] {
  const problems: string[] = [];
  if (!/^3\.\d+\.\d+$/.test(String(doc.openapi))) problems.push(`openapi version ${doc.openapi}`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') problems.push('info');
  const schemes = doc.components?.securitySchemes ?? {};
  const checkSecurity = (where: string, security: Record<string, string[]>[] | undefined) => {
    for (const requirement of security ?? []) {
      for (const name of Object.keys(requirement)) {
        if (!(name in schemes)) problems.push(`${where}: unknown security scheme ${name}`);
      }
    }
  };
  checkSecurity('document', doc.security);
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    if (!path.startsWith('/')) problems.push(`path ${path} does not start with /`);
    for (const [method, operation] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${path}`;
      if (!OPERATION_METHODS.includes(method)) {
        if (method !== 'parameters' && method !== 'summary' && method !== 'description')
          problems.push(`${where}: not an HTTP method`);
        continue;
      }
      const responses = Object.entries(operation.responses ?? {});
      if (responses.length === 0) problems.push(`${where}: no responses`);
      for (const [status, response] of responses) {
        if (!/^([1-5](\d\d|XX)|default)$/.test(status)) problems.push(`${where}: status ${status}`);
        if (typeof response.description !== 'string') problems.push(`${where} ${status}: no description`);
      }
      for (const [, name] of path.matchAll(/\{([^}]+)\}/g)) {
        const parameter = operation.parameters?.find((p) => p.in === 'path' && p.name === name);
        if (!parameter?.required) problems.push(`${where}: path parameter ${name} is not declared`);
      }
      checkSecurity(where, operation.security);
    }
  }
  // Every $ref must point inside the document.
  const text = JSON.stringify(doc);
  for (const [, ref = ''] of text.matchAll(/"\$ref":"([^"]*)"/g)) {
    const target = ref
      .replace(/^#\//, '')
      .split('/')
      .reduce<unknown>((node, key) => (node as Json | undefined)?.[key.replace(/~1/g, '/')], doc);
    if (!ref.startsWith('#/') || target === undefined) problems.push(`dangling $ref ${ref}`);
  }
  return problems;
}

function documentsSuccessBody(operation: Operation): boolean {
  return Object.entries(operation.responses ?? {}).some(
    ([status, response]) =>
      status === '204' ||
      (/^2\d\d$/.test(status) && Object.values(response.content ?? {}).some((media) => media.schema)),
  );
}

describe.each(DIALECTS)('the OpenAPI document on %s', (dialect) => {
  let t: TestContext;
  let doc: OpenApi;
  let routes: RegisteredRoute[];

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const response = await t.request({ method: 'GET', url: '/api/docs/json', key: null });
    expect(response.statusCode).toBe(200);
    doc = response.json();
    routes = registeredRoutes(t.app).filter((r) => r.method !== 'OPTIONS');
  });
  afterAll(() => t.close());

  it('is served without credentials, as a structurally valid OpenAPI 3 document', () => {
    expect(openApiProblems(doc)).toEqual([]);
  });

  it('reads the route tree it checks against', () => {
    expect(routes).toContainEqual({ method: 'GET', url: '/readyz' });
    expect(routes).toContainEqual({ method: 'GET', url: '/api/docs/json' });
  });

  it('lists every /api/v1 route the app registers, and the health checks', () => {
    const expected = routes.filter((r) => r.url.startsWith('/api/v1/') || /^\/(healthz|readyz)$/.test(r.url));
    const missing = expected.filter((r) => !doc.paths[toOpenApiPath(r.url)]?.[r.method.toLowerCase()]);
    expect(missing).toEqual([]);
  });

  it('lists no route the app does not have', () => {
    const known = new Set(routes.map((r) => `${r.method.toLowerCase()} ${toOpenApiPath(r.url)}`));
    const documented = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((method) => OPERATION_METHODS.includes(method))
        .map((method) => `${method} ${path}`),
    );
    expect(documented.filter((operation) => !known.has(operation))).toEqual([]);
  });

  it('documents a success response schema for every operation', () => {
    const withoutSchema = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(
          ([method, operation]) => OPERATION_METHODS.includes(method) && !documentsSuccessBody(operation),
        )
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(withoutSchema).toEqual([]);
  });

  it('leaves out hidden routes and its own UI routes', () => {
    expect(routes).toContainEqual({ method: 'GET', url: '/metrics' });
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
    expect(Object.keys(doc.paths).filter((path) => path.startsWith('/api/docs'))).toEqual([]);
  });

  it('marks the health checks as needing no credentials', () => {
    expect(doc.paths['/healthz']?.get?.security).toEqual([]);
    expect(doc.paths['/readyz']?.get?.security).toEqual([]);
  });

  it('marks the licence API as API-key only and administration as key or session', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
    );
    for (const { path, method, operation } of operations.filter((o) => o.path.startsWith('/api/v1/'))) {
      expect(operation.security, `${method} ${path}`).toBeDefined();
    }
    const licenceApi = /^\/api\/v1\/licenses\/(activate|validate|deactivate|status)$/;
    for (const { path, operation } of operations.filter((o) => licenceApi.test(o.path))) {
      expect(operation.security, path).toEqual([{ apiKey: [] }]);
    }
  });

  it('serves the interactive reference at /api/docs without credentials', async () => {
    const response = await t.request({ method: 'GET', url: '/api/docs', key: null });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.body).toMatch(/swagger/i);
  });

  it('answers the reference even with a bad Authorization header', async () => {
    const response = await t.request({ method: 'GET', url: '/api/docs/json', key: 'not-a-key' });
    expect(response.statusCode).toBe(200);
  });
});
