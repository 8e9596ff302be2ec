import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { countRows, createLicense, createProduct, errorOf } from './licensing-fixtures.js';

const DAY = 24 * 60 * 60 * 1000;

describe.each(DIALECTS)('the licence API on %s', (dialect) => {
  let t: TestContext;
  let productId: string;
  let licenseKey: string;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    productId = (await createProduct(t)).id;
    const { secret } = await t.services.apiKeys.create({ name: 'sdk', scope: 'licenses' });
    licenseKey = secret;
  });
  afterAll(() => t.close());

  const call = (path: string, payload: Record<string, unknown>, key = licenseKey) =>
    t.request({ method: 'POST', url: `/api/v1/licenses/${path}`, payload, key });

  async function activationsIn(licenseId: string): Promise<number> {
    const row = await t.services.core.db
      .selectFrom('activations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('license_id', '=', licenseId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  it('admits exactly max_activations of 20 parallel activations', async () => {
    const license = await createLicense(t, { product_id: productId, max_activations: 5 });
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        call('activate', { license_key: license.key, fingerprint: `machine-${i}` }),
      ),
    );
    const statuses = responses.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    const refused = responses.filter((r) => r.statusCode !== 200);
    expect(refused).toHaveLength(15);
    for (const response of refused) {
      expect(response.statusCode).toBe(403);
      expect(errorOf(response).code).toBe('ERR_ACTIVATION_LIMIT');
    }
    expect(await activationsIn(license.id)).toBe(5);
  });

  it('activates, re-activates without a second seat, validates and deactivates', async () => {
    const license = await createLicense(t, { product_id: productId, max_activations: 1, features: ['pro'] });
    const first = await call('activate', {
      license_key: license.key,
      fingerprint: 'fp-1',
      name: 'Laptop',
      platform: 'linux',
    });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({
      activation: { fingerprint: 'fp-1', name: 'Laptop', platform: 'linux', ip: '127.0.0.1' },
      license: {
        id: license.id,
        status: 'active',
        activations_used: 1,
        max_activations: 1,
        features: ['pro'],
      },
    });
    expect(first.json().license).not.toHaveProperty('key');

    t.clock.advance(60_000);
    const again = await call('activate', { license_key: license.key, fingerprint: 'fp-1', hostname: 'box' });
    expect(again.statusCode).toBe(200);
    expect(again.json().activation).toMatchObject({
      id: first.json().activation.id,
      name: 'Laptop',
      hostname: 'box',
    });
    expect(again.json().activation.last_seen_at > first.json().activation.last_seen_at).toBe(true);
    expect(again.json().license.activations_used).toBe(1);
    expect(await activationsIn(license.id)).toBe(1);

    const other = await call('activate', { license_key: license.key, fingerprint: 'fp-2' });
    expect(other.statusCode).toBe(403);
    expect(errorOf(other).code).toBe('ERR_ACTIVATION_LIMIT');

    const valid = await call('validate', { license_key: license.key, fingerprint: 'fp-1' });
    expect(valid.statusCode).toBe(200);
    expect(valid.json()).toEqual({
      valid: true,
      code: 'VALID',
      license: {
        id: license.id,
        product_id: productId,
        status: 'active',
        expires_at: null,
        features: ['pro'],
        max_activations: 1,
        activations_used: 1,
      },
    });
    const unknownMachine = await call('validate', { license_key: license.key, fingerprint: 'fp-2' });
    expect(unknownMachine.statusCode).toBe(403);
    expect(errorOf(unknownMachine).code).toBe('ERR_MACHINE_NOT_ACTIVATED');
    expect((await call('validate', { license_key: license.key })).statusCode).toBe(200);

    const gone = await call('deactivate', { license_key: license.key, fingerprint: 'fp-2' });
    expect(gone.statusCode).toBe(404);
    expect(errorOf(gone).code).toBe('ERR_ACTIVATION_NOT_FOUND');
    const deactivated = await call('deactivate', { license_key: license.key, fingerprint: 'fp-1' });
    expect(deactivated.statusCode).toBe(200);
    expect(deactivated.json()).toMatchObject({ deactivated: true, license: { activations_used: 0 } });
    expect(await activationsIn(license.id)).toBe(0);
    expect((await call('activate', { license_key: license.key, fingerprint: 'fp-2' })).statusCode).toBe(200);
  });

  it('never runs out of seats on an unlimited licence', async () => {
    const license = await createLicense(t, { product_id: productId, max_activations: null });
    for (let i = 0; i < 12; i++) {
      const response = await call('activate', { license_key: license.key, fingerprint: `u-${i}` });
      expect(response.statusCode).toBe(200);
    }
    const status = await call('status', { license_key: license.key });
    expect(status.json()).toMatchObject({ status: 'active', max_activations: null, activations_used: 12 });
  });

  it('reports an unknown key as not found on every call', async () => {
    for (const [path, body] of [
      ['activate', { license_key: 'NOPE-NOPE-NOPE-NOPE', fingerprint: 'x' }],
      ['validate', { license_key: 'NOPE-NOPE-NOPE-NOPE' }],
      ['deactivate', { license_key: 'NOPE-NOPE-NOPE-NOPE', fingerprint: 'x' }],
      ['status', { license_key: 'NOPE-NOPE-NOPE-NOPE' }],
    ] as const) {
      const response = await call(path, body);
      expect(response.statusCode).toBe(404);
      expect(errorOf(response).code).toBe('ERR_LICENSE_NOT_FOUND');
      expect(response.body).not.toContain('NOPE-NOPE');
    }
  });

  it('expires a licence when its time passes', async () => {
    const expiresAt = new Date(t.clock.now().getTime() + DAY).toISOString();
    const license = await createLicense(t, { product_id: productId, expires_at: expiresAt });
    expect((await call('activate', { license_key: license.key, fingerprint: 'e-1' })).statusCode).toBe(200);
    t.clock.advance(DAY);
    const validate = await call('validate', { license_key: license.key });
    expect(validate.statusCode).toBe(403);
    expect(errorOf(validate).code).toBe('ERR_LICENSE_EXPIRED');
    const activate = await call('activate', { license_key: license.key, fingerprint: 'e-2' });
    expect(errorOf(activate).code).toBe('ERR_LICENSE_EXPIRED');
    expect((await call('status', { license_key: license.key })).json()).toMatchObject({ status: 'expired' });
    const admin = await t.request({ method: 'GET', url: `/api/v1/licenses/${license.id}` });
    expect(admin.json().status).toBe('expired');
    const expiredList = await t.request({ method: 'GET', url: '/api/v1/licenses?status=expired' });
    expect(expiredList.json().data.map((l: { id: string }) => l.id)).toContain(license.id);

    // Extending the licence brings it back.
    const later = new Date(t.clock.now().getTime() + 30 * DAY).toISOString();
    await t.request({
      method: 'PATCH',
      url: `/api/v1/licenses/${license.id}`,
      payload: { expires_at: later },
    });
    expect((await call('validate', { license_key: license.key })).statusCode).toBe(200);
  });

  it('refuses suspended and revoked licences, and revocation is final', async () => {
    const license = await createLicense(t, { product_id: productId, max_activations: 3 });
    const admin = (action: string) =>
      t.request({
        method: 'POST',
        url: `/api/v1/licenses/${license.id}/${action}`,
        payload: { reason: 'test' },
      });

    const suspended = await admin('suspend');
    expect(suspended.json()).toMatchObject({ status: 'suspended', status_reason: 'test' });
    const refused = await call('validate', { license_key: license.key });
    expect(refused.statusCode).toBe(403);
    expect(errorOf(refused).code).toBe('ERR_LICENSE_SUSPENDED');
    expect(errorOf(await call('activate', { license_key: license.key, fingerprint: 's' })).code).toBe(
      'ERR_LICENSE_SUSPENDED',
    );

    expect((await admin('unsuspend')).json()).toMatchObject({ status: 'active', status_reason: null });
    expect((await call('validate', { license_key: license.key })).statusCode).toBe(200);
    expect((await admin('unsuspend')).statusCode).toBe(409);

    expect((await admin('revoke')).json()).toMatchObject({ status: 'revoked' });
    const revoked = await call('validate', { license_key: license.key });
    expect(revoked.statusCode).toBe(403);
    expect(errorOf(revoked).code).toBe('ERR_LICENSE_REVOKED');
    for (const action of ['unsuspend', 'suspend', 'revoke']) {
      const response = await admin(action);
      expect(response.statusCode).toBe(409);
      expect(errorOf(response).code).toBe('ERR_CONFLICT');
    }
    expect((await t.request({ method: 'GET', url: `/api/v1/licenses/${license.id}` })).json().status).toBe(
      'revoked',
    );
  });

  it('lets a licence-scoped key use the licence API but no admin route', async () => {
    const license = await createLicense(t, { product_id: productId });
    expect((await call('status', { license_key: license.key })).statusCode).toBe(200);
    for (const [method, url] of [
      ['GET', '/api/v1/licenses'],
      ['GET', `/api/v1/licenses/${license.id}`],
      ['GET', '/api/v1/products'],
      ['GET', '/api/v1/licenses/export'],
    ] as const) {
      const response = await t.request({ method, url, key: licenseKey });
      expect(response.statusCode).toBe(403);
      expect(errorOf(response).code).toBe('ERR_INSUFFICIENT_SCOPE');
    }
    const before = await countRows(t, 'licenses');
    const create = await t.request({
      method: 'POST',
      url: '/api/v1/licenses',
      payload: { product_id: productId },
      key: licenseKey,
    });
    expect(errorOf(create).code).toBe('ERR_INSUFFICIENT_SCOPE');
    expect(await countRows(t, 'licenses')).toBe(before);
    const anonymous = await t.request({
      method: 'POST',
      url: '/api/v1/licenses/validate',
      payload: { license_key: license.key },
      key: null,
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('names each bad field of a licence API call', async () => {
    const response = await call('activate', { license_key: 42, extra: true });
    expect(response.statusCode).toBe(422);
    const fields = (errorOf(response).details as { field: string }[]).map((d) => d.field).sort();
    expect(fields).toEqual(['extra', 'fingerprint', 'license_key']);
  });
});
