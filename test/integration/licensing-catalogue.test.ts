import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { countRows, createCustomer, createLicense, createProduct, errorOf } from './licensing-fixtures.js';

describe.each(DIALECTS)('products and customers on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  it('creates, reads, updates and deletes a product', async () => {
    const created = await createProduct(t, {
      name: 'Editor',
      code: 'editor',
      features: ['export'],
      metadata: { tier: 2 },
    });
    expect(created).toMatchObject({
      name: 'Editor',
      code: 'editor',
      features: ['export'],
      metadata: { tier: 2 },
    });
    expect(created.id).toMatch(/^prd_/);

    const patched = await t.request({
      method: 'PATCH',
      url: `/api/v1/products/${created.id}`,
      payload: { name: 'Editor Pro', features: ['export', 'sync'] },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({
      name: 'Editor Pro',
      code: 'editor',
      features: ['export', 'sync'],
    });
    const fetched = await t.request({ method: 'GET', url: `/api/v1/products/${created.id}` });
    expect(fetched.json()).toEqual(patched.json());

    expect((await t.request({ method: 'DELETE', url: `/api/v1/products/${created.id}` })).statusCode).toBe(
      204,
    );
    const gone = await t.request({ method: 'GET', url: `/api/v1/products/${created.id}` });
    expect(gone.statusCode).toBe(404);
    expect(errorOf(gone).code).toBe('ERR_NOT_FOUND');
  });

  it('refuses to delete a product that still has licences', async () => {
    const product = await createProduct(t);
    const license = await createLicense(t, { product_id: product.id });
    const refused = await t.request({ method: 'DELETE', url: `/api/v1/products/${product.id}` });
    expect(refused.statusCode).toBe(409);
    expect(errorOf(refused).code).toBe('ERR_CONFLICT');
    expect((await t.request({ method: 'GET', url: `/api/v1/products/${product.id}` })).statusCode).toBe(200);
    await t.request({ method: 'DELETE', url: `/api/v1/licenses/${license.id}` });
    expect((await t.request({ method: 'DELETE', url: `/api/v1/products/${product.id}` })).statusCode).toBe(
      204,
    );
  });

  it('keeps product codes unique, on create and on update', async () => {
    await createProduct(t, { code: 'unique-code' });
    const other = await createProduct(t, { code: 'other-code' });
    const before = await countRows(t, 'products');
    const duplicate = await t.request({
      method: 'POST',
      url: '/api/v1/products',
      payload: { name: 'Again', code: 'unique-code' },
    });
    expect(duplicate.statusCode).toBe(409);
    expect(errorOf(duplicate).code).toBe('ERR_CONFLICT');
    expect(await countRows(t, 'products')).toBe(before);
    const renamed = await t.request({
      method: 'PATCH',
      url: `/api/v1/products/${other.id}`,
      payload: { code: 'unique-code' },
    });
    expect(renamed.statusCode).toBe(409);
    expect((await t.request({ method: 'GET', url: `/api/v1/products/${other.id}` })).json().code).toBe(
      'other-code',
    );
  });

  it('pages through products with cursors, newest first', async () => {
    const own = await createTestApp(dialect);
    try {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await createProduct(own, { name: `P${i}` })).id);
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const url: string = `/api/v1/products?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = (await own.request({ method: 'GET', url })).json();
        seen.push(...page.data.map((p: { id: string }) => p.id));
        cursor = page.next_cursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].reverse());
      const bad = await own.request({ method: 'GET', url: '/api/v1/products?cursor=!!!' });
      expect(bad.statusCode).toBe(422);
    } finally {
      await own.close();
    }
  });

  it('manages customers and their notes, authored by the caller', async () => {
    const customer = await createCustomer(t, {
      name: 'Initech',
      email: 'ops@initech.example',
      metadata: { a: 1 },
    });
    expect(customer).toMatchObject({ name: 'Initech', email: 'ops@initech.example', metadata: { a: 1 } });
    const patched = await t.request({
      method: 'PATCH',
      url: `/api/v1/customers/${customer.id}`,
      payload: { email: null },
    });
    expect(patched.json()).toMatchObject({ name: 'Initech', email: null });

    const note = await t.request({
      method: 'POST',
      url: `/api/v1/customers/${customer.id}/notes`,
      payload: { body: 'Called about renewal' },
    });
    expect(note.statusCode).toBe(201);
    expect(note.json()).toMatchObject({
      body: 'Called about renewal',
      author: 'test owner',
      customer_id: customer.id,
    });
    const notes = await t.request({ method: 'GET', url: `/api/v1/customers/${customer.id}/notes` });
    expect(notes.json()).toMatchObject({ data: [{ body: 'Called about renewal' }], next_cursor: null });

    const missing = await t.request({
      method: 'POST',
      url: '/api/v1/customers/cus_nothere/notes',
      payload: { body: 'x' },
    });
    expect(missing.statusCode).toBe(404);

    const product = await createProduct(t);
    const license = await createLicense(t, { product_id: product.id, customer_id: customer.id });
    expect((await t.request({ method: 'DELETE', url: `/api/v1/customers/${customer.id}` })).statusCode).toBe(
      204,
    );
    expect((await t.request({ method: 'GET', url: `/api/v1/customers/${customer.id}` })).statusCode).toBe(
      404,
    );
    // The licence outlives its customer, unassigned.
    const kept = await t.request({ method: 'GET', url: `/api/v1/licenses/${license.id}` });
    expect(kept.json()).toMatchObject({ id: license.id, customer_id: null });
  });

  it('rejects a customer email that is not an email, naming the field', async () => {
    const before = await countRows(t, 'customers');
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/customers',
      payload: { name: 'X', email: 'not-an-email' },
    });
    expect(response.statusCode).toBe(422);
    expect(errorOf(response).details).toEqual([{ field: 'email', message: expect.any(String) }]);
    expect(await countRows(t, 'customers')).toBe(before);
  });
});
