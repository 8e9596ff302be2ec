import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { activityRows } from '../helpers/activity.js';
import { createAdmin, login, sessionFrom } from '../helpers/access.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { createLicense, createProduct } from './licensing-fixtures.js';

/** Canary secrets go through every audited action; no activity entry may hold one, in any column. */
describe.each(DIALECTS)('secrets stay out of the activity log on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  it('holds no password, API-key secret, licence key, session or CSRF token', async () => {
    const password = 'CANARY-pw-4f1c9a2b-long';
    const newPassword = 'CANARY-new-7d3e8b1a-long';
    const licenseKey = 'CANARY-LICENSE-KEY-9Q7W';
    const importedKey = 'CANARY-IMPORTED-KEY-3Z8X';

    const admin = await t.request({
      method: 'POST',
      url: '/api/v1/admins',
      payload: { email: 'canary@example.test', password, role: 'owner' },
    });
    expect(admin.statusCode).toBe(201);
    await login(t, 'canary@example.test', `${password}-wrong`);
    const signedIn = await login(t, 'canary@example.test', password);
    const session = sessionFrom(signedIn, t);
    const changed = await session.request({
      method: 'POST',
      url: '/api/v1/auth/password',
      payload: { current_password: password, new_password: newPassword },
    });
    expect(changed.statusCode).toBe(204);
    // A refused password change with the canary as the wrong current password.
    await session.request({
      method: 'POST',
      url: '/api/v1/auth/password',
      payload: { current_password: password, new_password: newPassword },
    });
    await t.request({
      method: 'POST',
      url: '/api/v1/admins',
      payload: { email: 'weak@example.test', password: 'CANARY-short', role: 'viewer' },
    });

    const created = await session.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'ci', scope: 'admin', role: 'viewer' },
    });
    expect(created.statusCode).toBe(201);
    const { id: keyId, secret: apiSecret } = created.json<{ id: string; secret: string }>();
    // The new key acts (and is refused) under its own name; then it is revoked.
    await t.request({ method: 'POST', url: '/api/v1/products', payload: { name: 'x' }, key: apiSecret });
    await session.request({ method: 'DELETE', url: `/api/v1/api-keys/${keyId}` });

    const product = await createProduct(t);
    const license = await createLicense(t, {
      product_id: product.id,
      key: licenseKey,
      metadata: { password: 'CANARY-meta-secret' },
    });
    await session.request({
      method: 'POST',
      url: `/api/v1/licenses/${license.id}/suspend`,
      payload: { reason: 'checking' },
    });
    await session.request({ method: 'DELETE', url: `/api/v1/licenses/${license.id}` });
    await t.request({
      method: 'POST',
      url: '/api/v1/licenses',
      payload: { product_id: product.id, key: importedKey },
    });
    // The same key again: a refused create whose body holds the key.
    await t.request({
      method: 'POST',
      url: '/api/v1/licenses',
      payload: { product_id: product.id, key: importedKey },
    });
    await t.request({
      method: 'POST',
      url: '/api/v1/licenses/import',
      payload: { licenses: [{ product_id: product.id, key: `${importedKey}-2` }] },
    });
    await t.request({ method: 'GET', url: `/api/v1/licenses/export` });
    await session.request({ method: 'POST', url: '/api/v1/auth/logout' });
    await createAdmin(t, 'viewer');

    const rows = await activityRows(t);
    const text = JSON.stringify(rows);
    for (const secret of [
      password,
      newPassword,
      'CANARY-short',
      apiSecret,
      apiSecret.slice(8),
      licenseKey,
      importedKey,
      'CANARY-meta-secret',
      session.cookie,
      session.cookie.slice(5),
      session.csrf,
    ]) {
      expect(text, `found ${secret}`).not.toContain(secret);
    }
    // The masked forms are what the entries name instead, which shows the flows were recorded.
    expect(text).toContain(`${apiSecret.slice(0, 11)}...${apiSecret.slice(-3)}`);
    expect(text).toContain('XXXXXX-XXXXXXX-XXX-9Q7W');
    expect(text).toContain(`${session.cookie.slice(0, 13)}...`);
    expect(rows.map((r) => r.action_type)).toEqual(
      expect.arrayContaining([
        'ADMIN_CREATED',
        'ADMIN_LOGIN',
        'ADMIN_LOGIN_FAILED',
        'ADMIN_PASSWORD_CHANGED',
        'API_KEY_CREATED',
        'API_KEY_REVOKED',
        'LICENSE_CREATED',
        'LICENSE_SUSPENDED',
        'LICENSE_DELETED',
        'LICENSES_IMPORTED',
        'LICENSES_EXPORTED',
        'ADMIN_LOGOUT',
      ]),
    );
  });
});
