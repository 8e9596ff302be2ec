import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import {
  adminRoutesOf,
  checkAdminRoute,
  checkLicenseRoute,
  licenseRoutesOf,
  prepareMatrix,
  type MatrixCredentials,
} from '../helpers/auth-matrix.js';
import { DIALECTS } from '../helpers/database.js';
import { allowlistTestClient } from '../helpers/security.js';

// The route table is read from a built app at collection time, so each route gets its own test row.
const probe = await createTestApp('sqlite');
const adminRows = adminRoutesOf(probe.app.routeAccessTable);
const licenseRows = licenseRoutesOf(probe.app.routeAccessTable);
await probe.close();

describe('the recorded route table', () => {
  it('lists the access routes with their rules', () => {
    const names = adminRows.map((r) => `${r.method} ${r.url} ${r.access.permission}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'GET /api/v1/admins admins:read',
        'POST /api/v1/admins admins:write',
        'DELETE /api/v1/admins/:id admins:write',
        'POST /api/v1/api-keys api-keys:write',
        'DELETE /api/v1/api-keys/:id api-keys:write',
        'GET /api/v1/auth/me self',
        'POST /api/v1/auth/logout self',
      ]),
    );
  });
});

// One app per store is shared by every row; rows restore the clock after moving it.
describe.each(DIALECTS)('security matrix on %s', (dialect) => {
  let t: TestContext;
  let credentials: MatrixCredentials;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    // Hundreds of wrong keys from one address on purpose: this suite tests authentication, not bans.
    await allowlistTestClient(t.services);
    credentials = await prepareMatrix(t);
  });
  afterAll(() => t.close());

  it.each(adminRows.map((r) => [`${r.method} ${r.url}`, r] as const))(
    'admin route %s',
    async (_name, route) => {
      await checkAdminRoute(t, credentials, route);
    },
  );

  if (licenseRows.length > 0) {
    it.each(licenseRows.map((r) => [`${r.method} ${r.url}`, r] as const))(
      'licence route %s',
      async (_name, route) => {
        await checkLicenseRoute(t, credentials, route);
      },
    );
  }
});
