import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import {
  createCustomer,
  createLicense,
  createProduct,
  errorOf,
  type LicenseBody,
} from './licensing-fixtures.js';

const KEY_FORMAT = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;

describe.each(DIALECTS)('licence administration on %s', (dialect) => {
  let t: TestContext;
  let productId: string;
  let customerId: string;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    productId = (await createProduct(t)).id;
    customerId = (await createCustomer(t)).id;
  });
  afterAll(() => t.close());

  it('creates a licence with a generated key and defaults', async () => {
    const license = await createLicense(t, { product_id: productId });
    expect(license.key).toMatch(KEY_FORMAT);
    expect(license).toMatchObject({
      product_id: productId,
      customer_id: null,
      status: 'active',
      status_reason: null,
      max_activations: 1,
      activations_used: 0,
      expires_at: null,
      features: [],
      metadata: {},
    });
    const other = await createLicense(t, { product_id: productId });
    expect(other.key).not.toBe(license.key);
  });

  it('creates a licence with every optional field', async () => {
    const license = await createLicense(t, {
      product_id: productId,
      customer_id: customerId,
      max_activations: null,
      expires_at: '2099-01-01T00:00:00+02:00',
      key: 'CUSTOM key/2024#1',
      features: ['a', 'b'],
      metadata: { order: 'A-1' },
    });
    expect(license).toMatchObject({
      customer_id: customerId,
      max_activations: null,
      expires_at: '2098-12-31T22:00:00.000Z',
      key: 'CUSTOM key/2024#1',
      features: ['a', 'b'],
      metadata: { order: 'A-1' },
    });
    const fetched = await t.request({ method: 'GET', url: `/api/v1/licenses/${license.id}` });
    expect(fetched.json()).toEqual(license);
  });

  it('updates the editable fields', async () => {
    const license = await createLicense(t, { product_id: productId });
    const response = await t.request({
      method: 'PATCH',
      url: `/api/v1/licenses/${license.id}`,
      payload: { max_activations: 3, customer_id: customerId, features: ['x'], metadata: { m: true } },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({
      key: license.key,
      max_activations: 3,
      customer_id: customerId,
      features: ['x'],
      metadata: { m: true },
    });
    const unassigned = await t.request({
      method: 'PATCH',
      url: `/api/v1/licenses/${license.id}`,
      payload: { customer_id: null },
    });
    expect(unassigned.json().customer_id).toBeNull();
  });

  it('filters the list by product, customer and status', async () => {
    const product = await createProduct(t);
    const customer = await createCustomer(t);
    const a = await createLicense(t, { product_id: product.id, customer_id: customer.id });
    const b = await createLicense(t, { product_id: product.id });
    await t.request({ method: 'POST', url: `/api/v1/licenses/${b.id}/suspend`, payload: { reason: 'late' } });

    const ids = async (query: string) =>
      (await t.request({ method: 'GET', url: `/api/v1/licenses?${query}` }))
        .json()
        .data.map((l: LicenseBody) => l.id);
    expect(await ids(`product_id=${product.id}`)).toEqual([b.id, a.id]);
    expect(await ids(`customer_id=${customer.id}`)).toEqual([a.id]);
    expect(await ids(`product_id=${product.id}&status=suspended`)).toEqual([b.id]);
    expect(await ids(`product_id=${product.id}&status=active`)).toEqual([a.id]);
    const bad = await t.request({ method: 'GET', url: '/api/v1/licenses?status=sleeping' });
    expect(bad.statusCode).toBe(422);
    expect(errorOf(bad).details).toEqual([{ field: 'status', message: expect.any(String) }]);
  });

  it('pages through licences with cursors', async () => {
    const product = await createProduct(t);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) created.push((await createLicense(t, { product_id: product.id })).id);
    const first = (
      await t.request({ method: 'GET', url: `/api/v1/licenses?product_id=${product.id}&limit=3` })
    ).json();
    expect(first.data.map((l: LicenseBody) => l.id)).toEqual(created.slice(2).reverse());
    const second = (
      await t.request({
        method: 'GET',
        url: `/api/v1/licenses?product_id=${product.id}&limit=3&cursor=${first.next_cursor}`,
      })
    ).json();
    expect(second.data.map((l: LicenseBody) => l.id)).toEqual(created.slice(0, 2).reverse());
    expect(second.next_cursor).toBeNull();
  });

  it('lists and removes a licence activations', async () => {
    const license = await createLicense(t, { product_id: productId, max_activations: 1 });
    const activate = await t.request({
      method: 'POST',
      url: '/api/v1/licenses/activate',
      payload: { license_key: license.key, fingerprint: 'fp' },
    });
    expect(activate.statusCode).toBe(200);
    const list = await t.request({ method: 'GET', url: `/api/v1/licenses/${license.id}/activations` });
    expect(list.json()).toMatchObject({
      data: [{ fingerprint: 'fp', license_id: license.id }],
      next_cursor: null,
    });
    const activationId = list.json().data[0].id;
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/licenses/${license.id}` })).json().activations_used,
    ).toBe(1);

    const removed = await t.request({
      method: 'DELETE',
      url: `/api/v1/licenses/${license.id}/activations/${activationId}`,
    });
    expect(removed.statusCode).toBe(204);
    const again = await t.request({
      method: 'DELETE',
      url: `/api/v1/licenses/${license.id}/activations/${activationId}`,
    });
    expect(again.statusCode).toBe(404);
    expect(errorOf(again).code).toBe('ERR_ACTIVATION_NOT_FOUND');
    expect(
      (await t.request({ method: 'GET', url: `/api/v1/licenses/${license.id}` })).json().activations_used,
    ).toBe(0);
  });

  it('deletes a licence with its activations', async () => {
    const license = await createLicense(t, { product_id: productId });
    await t.request({
      method: 'POST',
      url: '/api/v1/licenses/activate',
      payload: { license_key: license.key, fingerprint: 'fp' },
    });
    expect((await t.request({ method: 'DELETE', url: `/api/v1/licenses/${license.id}` })).statusCode).toBe(
      204,
    );
    expect((await t.request({ method: 'GET', url: `/api/v1/licenses/${license.id}` })).statusCode).toBe(404);
    const validate = await t.request({
      method: 'POST',
      url: '/api/v1/licenses/validate',
      payload: { license_key: license.key },
    });
    expect(errorOf(validate).code).toBe('ERR_LICENSE_NOT_FOUND');
  });

  it('lets a support admin key manage licences but not import them', async () => {
    const { secret } = await t.services.apiKeys.create({ name: 'support', scope: 'admin', role: 'support' });
    const create = await t.request({
      method: 'POST',
      url: '/api/v1/licenses',
      payload: { product_id: productId },
      key: secret,
    });
    expect(create.statusCode).toBe(201);
    const product = await t.request({
      method: 'POST',
      url: '/api/v1/products',
      payload: { name: 'x' },
      key: secret,
    });
    expect(errorOf(product).code).toBe('ERR_INSUFFICIENT_SCOPE');
    const importing = await t.request({
      method: 'POST',
      url: '/api/v1/licenses/import',
      payload: { licenses: [{ product_id: productId }] },
      key: secret,
    });
    expect(importing.statusCode).toBe(403);
  });
});
