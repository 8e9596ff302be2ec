import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import {
  countRows,
  createLicense,
  createProduct,
  errorOf,
  fieldsOf,
  type LicenseBody,
} from './licensing-fixtures.js';

/** Every rejected request must leave the store exactly as it was. */
describe.each(DIALECTS)('bad input to the licensing routes on %s', (dialect) => {
  let t: TestContext;
  let productId: string;
  let license: LicenseBody;
  let snapshot: Record<string, number>;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    productId = (await createProduct(t, { code: 'taken-code' })).id;
    license = await createLicense(t, { product_id: productId, key: 'EXISTING-KEY-1', max_activations: 2 });
  });
  afterAll(() => t.close());

  async function counts() {
    const tables = ['products', 'customers', 'licenses', 'activations', 'customer_notes'] as const;
    return Object.fromEntries(
      await Promise.all(tables.map(async (name) => [name, await countRows(t, name)])),
    );
  }
  async function expectUnchanged() {
    expect(await counts()).toEqual(snapshot);
    const stored = await t.request({ method: 'GET', url: `/api/v1/licenses/${license.id}` });
    expect(stored.json()).toEqual(license);
  }
  beforeAll(async () => {
    snapshot = await counts();
  });

  const raw = (method: 'POST' | 'PATCH', url: string, payload: string, contentType: string) =>
    t.request({ method, url, payload, headers: { 'content-type': contentType } });

  it.each([
    ['POST', '/api/v1/licenses'],
    ['POST', '/api/v1/products'],
    ['POST', '/api/v1/customers'],
    ['PATCH', '/api/v1/licenses/LICENSE'],
    ['POST', '/api/v1/licenses/activate'],
    ['POST', '/api/v1/licenses/import'],
  ] as const)('answers unparsable JSON to %s %s with 400', async (method, url) => {
    const response = await raw(
      method,
      url.replace('LICENSE', license.id),
      '{"product_id": ',
      'application/json',
    );
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('ERR_MALFORMED_REQUEST');
    await expectUnchanged();
  });

  it.each([
    ['text/plain', '/api/v1/licenses'],
    ['text/csv', '/api/v1/licenses'],
    ['application/xml', '/api/v1/products'],
    ['text/plain', '/api/v1/licenses/activate'],
  ])('answers %s sent to the JSON route %s with 400', async (contentType, url) => {
    const response = await raw(
      'POST',
      url,
      JSON.stringify({ product_id: productId, name: 'x' }),
      contentType,
    );
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('ERR_MALFORMED_REQUEST');
    await expectUnchanged();
  });

  it('names every wrong, missing and unknown field of a new licence', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/licenses',
      payload: {
        max_activations: -1,
        expires_at: 'next tuesday',
        features: 'pro',
        metadata: [],
        key: 'short',
        colour: 'blue',
      },
    });
    expect(response.statusCode).toBe(422);
    expect(errorOf(response).code).toBe('ERR_VALIDATION');
    expect(fieldsOf(response)).toEqual([
      'colour',
      'expires_at',
      'features',
      'key',
      'max_activations',
      'metadata',
      'product_id',
    ]);
    await expectUnchanged();
  });

  it.each([
    ['a fractional seat count', { max_activations: 1.5 }, 'max_activations'],
    ['a numeric string seat count', { max_activations: '2' }, 'max_activations'],
    ['a key with a control character', { key: 'ABCD\u0007EFGH' }, 'key'],
    ['a key longer than 128 characters', { key: 'K'.repeat(129) }, 'key'],
    ['a feature that is not a string', { features: ['ok', 7] }, 'features.1'],
    ['an unknown product', { product_id: 'prd_01jzzzzzzzzzzzzzzzzzzzzzzz' }, 'product_id'],
    ['an unknown customer', { customer_id: 'cus_01jzzzzzzzzzzzzzzzzzzzzzzz' }, 'customer_id'],
  ])('rejects %s with 422 naming the field', async (_name, body, field) => {
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/licenses',
      payload: { product_id: productId, ...body },
    });
    expect(response.statusCode).toBe(422);
    expect(errorOf(response).code).toBe('ERR_VALIDATION');
    expect(fieldsOf(response)).toEqual([field]);
    await expectUnchanged();
  });

  it('names every bad field of a licence update and leaves the licence as it was', async () => {
    const response = await t.request({
      method: 'PATCH',
      url: `/api/v1/licenses/${license.id}`,
      payload: { max_activations: 'lots', status: 'active', key: 'NEW-KEY-0001' },
    });
    expect(response.statusCode).toBe(422);
    expect(fieldsOf(response)).toEqual(['key', 'max_activations', 'status']);
    const empty = await t.request({ method: 'PATCH', url: `/api/v1/licenses/${license.id}`, payload: {} });
    expect(empty.statusCode).toBe(422);
    await expectUnchanged();
  });

  it('names the missing and mistyped fields of products and customers', async () => {
    const product = await t.request({
      method: 'POST',
      url: '/api/v1/products',
      payload: { code: 5, features: [1] },
    });
    expect(product.statusCode).toBe(422);
    expect(fieldsOf(product)).toEqual(['code', 'features.0', 'name']);
    const customer = await t.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { name: '', vip: true },
    });
    expect(fieldsOf(customer)).toEqual(['name', 'vip']);
    const note = await t.request({ method: 'POST', url: '/api/v1/customers/cus_x/notes', payload: {} });
    expect(fieldsOf(note)).toEqual(['body']);
    const reason = await t.request({
      method: 'POST',
      url: `/api/v1/licenses/${license.id}/suspend`,
      payload: {},
    });
    expect(reason.statusCode).toBe(422);
    expect(fieldsOf(reason)).toEqual(['reason']);
    await expectUnchanged();
  });

  it('answers a body over 1 MiB with 413', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/licenses',
      payload: { product_id: productId, metadata: { blob: 'x'.repeat(1024 * 1024) } },
    });
    expect(response.statusCode).toBe(413);
    expect(errorOf(response).code).toBe('ERR_PAYLOAD_TOO_LARGE');
    await expectUnchanged();
  });

  it.each([
    ['GET', '/api/v1/licenses/lic_01jzzzzzzzzzzzzzzzzzzzzzzz', undefined],
    ['PATCH', '/api/v1/licenses/lic_01jzzzzzzzzzzzzzzzzzzzzzzz', { max_activations: 3 }],
    ['DELETE', '/api/v1/licenses/lic_01jzzzzzzzzzzzzzzzzzzzzzzz', undefined],
    ['POST', '/api/v1/licenses/lic_01jzzzzzzzzzzzzzzzzzzzzzzz/suspend', { reason: 'x' }],
    ['GET', '/api/v1/licenses/lic_01jzzzzzzzzzzzzzzzzzzzzzzz/activations', undefined],
    ['GET', '/api/v1/products/prd_01jzzzzzzzzzzzzzzzzzzzzzzz', undefined],
    ['PATCH', '/api/v1/products/prd_01jzzzzzzzzzzzzzzzzzzzzzzz', { name: 'x' }],
    ['DELETE', '/api/v1/products/prd_01jzzzzzzzzzzzzzzzzzzzzzzz', undefined],
    ['GET', '/api/v1/customers/cus_01jzzzzzzzzzzzzzzzzzzzzzzz', undefined],
    ['PATCH', '/api/v1/customers/cus_01jzzzzzzzzzzzzzzzzzzzzzzz', { name: 'x' }],
    ['DELETE', '/api/v1/customers/cus_01jzzzzzzzzzzzzzzzzzzzzzzz', undefined],
    ['GET', '/api/v1/customers/cus_01jzzzzzzzzzzzzzzzzzzzzzzz/notes', undefined],
  ] as const)('answers %s %s with 404', async (method, url, payload) => {
    const response = await t.request({ method, url, ...(payload ? { payload } : {}) });
    expect(response.statusCode).toBe(404);
    expect(errorOf(response).code).toBe('ERR_NOT_FOUND');
    await expectUnchanged();
  });

  it('answers a duplicate custom key and a duplicate product code with 409', async () => {
    const key = await t.request({
      method: 'POST',
      url: '/api/v1/licenses',
      payload: { product_id: productId, key: license.key },
    });
    expect(key.statusCode).toBe(409);
    expect(errorOf(key).code).toBe('ERR_CONFLICT');
    expect(key.body).not.toContain(license.key);
    const code = await t.request({
      method: 'POST',
      url: '/api/v1/products',
      payload: { name: 'y', code: 'taken-code' },
    });
    expect(code.statusCode).toBe(409);
    expect(errorOf(code).code).toBe('ERR_CONFLICT');
    await expectUnchanged();
  });

  it('rejects an import with one bad row and imports none of the good ones', async () => {
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/licenses/import',
      payload: { licenses: [{ product_id: productId }, { product_id: productId, max_activations: -2 }] },
    });
    expect(response.statusCode).toBe(422);
    expect(errorOf(response)).toMatchObject({
      code: 'ERR_IMPORT_INVALID',
      details: [{ row: 2, field: 'max_activations', message: expect.any(String) }],
    });
    await expectUnchanged();
  });
});
