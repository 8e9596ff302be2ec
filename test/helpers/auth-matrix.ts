import { expect } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import type { RouteAccessEntry } from '../../src/access/authenticate.js';
import { canAll, ROLES } from '../../src/access/permissions.js';
import type { RouteAccess } from '../../src/access/principal.js';
import type { Role } from '../../src/db/schema.js';
import { randomBase62 } from '../../src/shared/random.js';
import type { TestContext } from './app.js';
import { keyWithRole, signIn, type TestSession } from './access.js';

/**
 * The security matrix every route gets for free: it walks the access rules the authentication hook
 * recorded, so a route added by any feature is checked without being listed here.
 */
export type AdminRoute = RouteAccessEntry & { access: Extract<RouteAccess, { auth: 'admin' }> };
export type LicenseRoute = RouteAccessEntry & { access: { auth: 'license' } };

export function adminRoutesOf(table: RouteAccessEntry[]): AdminRoute[] {
  return table.filter((r): r is AdminRoute => r.access?.auth === 'admin');
}

export function licenseRoutesOf(table: RouteAccessEntry[]): LicenseRoute[] {
  return table.filter((r): r is LicenseRoute => r.access?.auth === 'license');
}

const PREFIXES: Record<string, string> = {
  admins: 'adm',
  'api-keys': 'key',
  products: 'prd',
  customers: 'cus',
  notes: 'note',
  licenses: 'lic',
  activations: 'act',
  'log-sinks': 'snk',
};

/** Path parameters become plausible ids that do not exist (a typed prefix from the segment before). */
export function fillPath(url: string): string {
  const parts = url.split('/');
  return parts
    .map((part, i) => {
      if (!part.startsWith(':')) return part;
      const prefix = PREFIXES[parts[i - 1] ?? ''] ?? 'x';
      return `${prefix}_01jzzzzzzzzzzzzzzzzzzzzzzz`;
    })
    .join('/');
}

export function isMutation(method: string): boolean {
  return !['GET', 'HEAD', 'OPTIONS'].includes(method);
}

export interface MatrixCredentials {
  roleKeys: Record<Role, string>;
  licenseKey: string;
  revokedKey: string;
  expiringKey: string;
  expiringInMs: number;
  owner: TestSession;
  viewer: TestSession;
}

export async function prepareMatrix(t: TestContext): Promise<MatrixCredentials> {
  const roleKeys = {} as Record<Role, string>;
  for (const role of ROLES) roleKeys[role] = await keyWithRole(t, role);
  const keys = t.services.apiKeys;
  const licenseKey = (await keys.create({ name: 'sdk', scope: 'licenses' })).secret;
  const revoked = await keys.create({ name: 'revoked', scope: 'admin', role: 'owner' });
  await keys.revoke(revoked.apiKey.id);
  await keys.notifyRevoked();
  const expiringInMs = 60_000;
  const expiresAt = new Date(t.clock.now().getTime() + expiringInMs).toISOString();
  const expiringKey = (await keys.create({ name: 'expiring', scope: 'admin', role: 'owner', expiresAt }))
    .secret;
  return {
    roleKeys,
    licenseKey,
    revokedKey: revoked.secret,
    expiringKey,
    expiringInMs,
    owner: await signIn(t, 'owner', '10.250.0.1'),
    viewer: await signIn(t, 'viewer', '10.250.0.2'),
  };
}

function call(t: TestContext, route: RouteAccessEntry, key: string | null, headers = {}) {
  return t.request({
    method: route.method as 'GET',
    url: fillPath(route.url),
    key,
    headers,
    ...(isMutation(route.method) ? { payload: {} } : {}),
  });
}

function expectError(
  response: LightMyRequestResponse,
  status: number,
  code: string | undefined,
  label: string,
) {
  const where = `${label}: got ${response.statusCode} ${response.body.slice(0, 200)}`;
  expect(response.statusCode, where).toBe(status);
  if (code) expect(response.json().error.code, where).toBe(code);
}

function expectAllowed(response: LightMyRequestResponse, label: string) {
  expect([401, 403], `${label}: got ${response.statusCode} ${response.body.slice(0, 200)}`).not.toContain(
    response.statusCode,
  );
}

/** Every way a bearer key can be wrong; shared by admin and licence routes. */
async function checkBadKeys(t: TestContext, c: MatrixCredentials, route: RouteAccessEntry) {
  expectError(await call(t, route, null), 401, 'ERR_UNAUTHENTICATED', 'no credentials');
  expectError(await call(t, route, `km_live_${randomBase62(32)}`), 401, 'ERR_INVALID_API_KEY', 'unknown key');
  expectError(await call(t, route, c.revokedKey), 403, 'ERR_FORBIDDEN', 'revoked key');
  const now = t.clock.now();
  t.clock.advance(c.expiringInMs + 1000);
  try {
    expectError(await call(t, route, c.expiringKey), 401, 'ERR_API_KEY_EXPIRED', 'expired key');
  } finally {
    t.clock.set(now);
  }
}

export async function checkAdminRoute(
  t: TestContext,
  c: MatrixCredentials,
  route: AdminRoute,
): Promise<void> {
  await checkBadKeys(t, c, route);
  expectError(await call(t, route, c.licenseKey), 403, 'ERR_INSUFFICIENT_SCOPE', 'licence-scoped key');

  const { permission } = route.access;
  const allowed = (role: Role) => permission === 'self' || canAll(role, permission);
  for (const role of ROLES) {
    const response = await call(t, route, c.roleKeys[role]);
    if (allowed(role)) expectAllowed(response, `admin key with role ${role}`);
    else expectError(response, 403, 'ERR_INSUFFICIENT_SCOPE', `admin key with role ${role}`);
  }

  const payload = isMutation(route.method) ? { payload: {} } : {};
  const url = fillPath(route.url);
  const method = route.method as 'GET';
  if (!allowed('viewer')) {
    const response = await c.viewer.request({ method, url, ...payload });
    expectError(response, 403, 'ERR_INSUFFICIENT_SCOPE', 'viewer session');
  } else if (permission === 'self') {
    // Self routes act on the caller's own session (logout ends it): use a throwaway one.
    const session = await signIn(t, 'viewer', '10.250.1.1');
    expectAllowed(await session.request({ method, url, ...payload }), 'own session');
  } else {
    expectAllowed(await c.viewer.request({ method, url, ...payload }), 'viewer session');
  }

  if (isMutation(route.method)) {
    for (const csrf of [null, c.viewer.csrf]) {
      const response = await c.owner.request({ method, url, payload: {}, csrf });
      expectError(
        response,
        403,
        'ERR_CSRF_INVALID',
        `owner session with ${csrf ? "another session's" : 'no'} CSRF token`,
      );
    }
  }
}

export async function checkLicenseRoute(
  t: TestContext,
  c: MatrixCredentials,
  route: LicenseRoute,
): Promise<void> {
  await checkBadKeys(t, c, route);
  // A portal session is for administration only.
  const response = await c.owner.request({
    method: route.method as 'GET',
    url: fillPath(route.url),
    payload: {},
  });
  expectError(response, 401, 'ERR_UNAUTHENTICATED', 'portal session on a licence route');
  expectAllowed(await call(t, route, c.licenseKey), 'licence-scoped key');
}
