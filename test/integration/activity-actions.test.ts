import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { createAdmin, login, PASSWORD, sessionFrom, type TestSession } from '../helpers/access.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { createCustomer, createLicense, createProduct } from './licensing-fixtures.js';

describe.each(DIALECTS)('one activity entry per administrative action on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  describe('each administrative action writes exactly one entry', () => {
    type Step = () => Promise<LightMyRequestResponse>;
    const req = (method: 'POST' | 'PATCH' | 'PUT' | 'DELETE' | 'GET', url: string, payload?: unknown) =>
      t.request({ method, url, ...(payload !== undefined && { payload: payload as object }) });
    const cases: [string, string, (ids: Record<string, string>) => Step][] = [
      ['PRODUCT_CREATED', 'product', () => () => req('POST', '/api/v1/products', { name: 'P' })],
      [
        'PRODUCT_UPDATED',
        'product',
        (ids) => () => req('PATCH', `/api/v1/products/${ids.product}`, { name: 'Q' }),
      ],
      ['PRODUCT_DELETED', 'product', (ids) => () => req('DELETE', `/api/v1/products/${ids.spareProduct}`)],
      ['CUSTOMER_CREATED', 'customer', () => () => req('POST', '/api/v1/customers', { name: 'C' })],
      [
        'CUSTOMER_UPDATED',
        'customer',
        (ids) => () => req('PATCH', `/api/v1/customers/${ids.customer}`, { name: 'D' }),
      ],
      [
        'CUSTOMER_NOTE_ADDED',
        'customer',
        (ids) => () => req('POST', `/api/v1/customers/${ids.customer}/notes`, { body: 'Called support' }),
      ],
      [
        'CUSTOMER_DELETED',
        'customer',
        (ids) => () => req('DELETE', `/api/v1/customers/${ids.spareCustomer}`),
      ],
      [
        'LICENSE_CREATED',
        'license',
        (ids) => () => req('POST', '/api/v1/licenses', { product_id: ids.product }),
      ],
      [
        'LICENSE_UPDATED',
        'license',
        (ids) => () => req('PATCH', `/api/v1/licenses/${ids.license}`, { max_activations: 5 }),
      ],
      [
        'LICENSE_SUSPENDED',
        'license',
        (ids) => () => req('POST', `/api/v1/licenses/${ids.license}/suspend`, { reason: 'r' }),
      ],
      [
        'LICENSE_UNSUSPENDED',
        'license',
        (ids) => () => req('POST', `/api/v1/licenses/${ids.license}/unsuspend`, { reason: 'ok' }),
      ],
      [
        'ACTIVATION_DELETED',
        'activation',
        (ids) => () => req('DELETE', `/api/v1/licenses/${ids.license}/activations/${ids.activation}`),
      ],
      [
        'LICENSE_REVOKED',
        'license',
        (ids) => () => req('POST', `/api/v1/licenses/${ids.license}/revoke`, { reason: 'r' }),
      ],
      ['LICENSE_DELETED', 'license', (ids) => () => req('DELETE', `/api/v1/licenses/${ids.license}`)],
      [
        'LICENSES_IMPORTED',
        'license',
        (ids) => () => req('POST', '/api/v1/licenses/import', { licenses: [{ product_id: ids.product }] }),
      ],
      ['LICENSES_EXPORTED', 'license', () => () => req('GET', '/api/v1/licenses/export')],
      [
        'API_KEY_CREATED',
        'api_key',
        () => () => req('POST', '/api/v1/api-keys', { name: 'ci', scope: 'licenses' }),
      ],
      ['API_KEY_REVOKED', 'api_key', (ids) => () => req('DELETE', `/api/v1/api-keys/${ids.apiKey}`)],
      [
        'ADMIN_CREATED',
        'admin',
        () => () =>
          req('POST', '/api/v1/admins', { email: 'new@example.test', password: PASSWORD, role: 'viewer' }),
      ],
      [
        'ADMIN_UPDATED',
        'admin',
        (ids) => () => req('PATCH', `/api/v1/admins/${ids.admin}`, { role: 'support' }),
      ],
      ['ADMIN_DELETED', 'admin', (ids) => () => req('DELETE', `/api/v1/admins/${ids.admin}`)],
      [
        'SETTINGS_UPDATED',
        'settings',
        () => () => req('PUT', '/api/v1/settings/logging', { api_call_sample_rate: 0.5 }),
      ],
    ];
    const ids: Record<string, string> = {};
    beforeAll(async () => {
      ids.product = (await createProduct(t)).id;
      ids.spareProduct = (await createProduct(t)).id;
      ids.customer = (await createCustomer(t)).id;
      ids.spareCustomer = (await createCustomer(t)).id;
      const license = await createLicense(t, { product_id: ids.product, max_activations: 3 });
      ids.license = license.id;
      const activation = await t.request({
        method: 'POST',
        url: '/api/v1/licenses/activate',
        payload: { license_key: license.key, fingerprint: 'machine-1' },
      });
      ids.activation = activation.json<{ activation: { id: string } }>().activation.id;
      ids.apiKey = (await t.services.apiKeys.create({ name: 'spare', scope: 'licenses' })).apiKey.id;
      ids.admin = (await createAdmin(t, 'viewer')).id;
    });

    it.each(cases)('%s', async (action, resourceType, step) => {
      let response: LightMyRequestResponse | undefined;
      const rows = await newActivity(t, async () => {
        response = await step(ids)();
      });
      expect(response?.statusCode, response?.body).toBeLessThan(300);
      expect(rows.map((r) => [r.action_type, r.resource_type, r.result, r.channel])).toEqual([
        [action, resourceType, 'success', 'api'],
      ]);
      const row = rows[0];
      expect(row).toMatchObject({ admin_user: 'test owner', actor_type: 'api_key', error_code: null });
      // Bulk actions touch many licences; every other action names the one resource it changed.
      if (!action.startsWith('LICENSES_')) {
        expect(row?.resource_id).toMatch(/^(prd|cus|lic|act|key|adm)_|^logging$/);
        expect(row?.resource).toBeTruthy();
      }
      const ownId = /\/(?:activations\/)?([a-z]+_[0-9a-z]+)$/.exec(response?.raw.req.url ?? '')?.[1];
      if (ownId && action !== 'CUSTOMER_NOTE_ADDED') expect(row?.resource_id).toBe(ownId);
    });
  });

  it('records login, profile, password change and logout through the portal', async () => {
    const admin = await createAdmin(t, 'viewer');
    let session: TestSession | undefined;
    const loginRows = await newActivity(t, async () => {
      const response = await login(t, admin.email, PASSWORD, '198.51.100.10');
      session = sessionFrom(response, t);
    });
    expect(
      loginRows.map((r) => [r.action_type, r.result, r.admin_user, r.actor_id, r.resource_id, r.ip]),
    ).toEqual([['ADMIN_LOGIN', 'success', admin.email, admin.id, admin.id, '198.51.100.10']]);
    expect(loginRows[0] && detailsOf(loginRows[0])).toEqual({
      session: `${session?.cookie.slice(0, 13) ?? ''}...`,
    });
    if (!session) throw new Error('no session');
    const s = session;
    const rest = await newActivity(t, async () => {
      expect(
        (await s.request({ method: 'PATCH', url: '/api/v1/auth/me', payload: { name: 'Ann' } })).statusCode,
      ).toBe(200);
      const changed = await s.request({
        method: 'POST',
        url: '/api/v1/auth/password',
        payload: { current_password: PASSWORD, new_password: 'another long passphrase' },
      });
      expect(changed.statusCode).toBe(204);
      expect((await s.request({ method: 'POST', url: '/api/v1/auth/logout' })).statusCode).toBe(204);
    });
    expect(rest.map((r) => [r.action_type, r.result, r.channel, r.actor_id])).toEqual([
      ['ADMIN_PROFILE_UPDATED', 'success', 'portal', admin.id],
      ['ADMIN_PASSWORD_CHANGED', 'success', 'portal', admin.id],
      ['ADMIN_LOGOUT', 'success', 'portal', admin.id],
    ]);
    expect(rest[0] && detailsOf(rest[0])).toEqual({ changes: { name: { before: null, after: 'Ann' } } });
  });
});
