import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { createCustomer, createLicense, createProduct } from './licensing-fixtures.js';

describe.each(DIALECTS)('text search in the catalogue lists on %s', (dialect) => {
  let t: TestContext;
  const names = async (url: string) => {
    const response = await t.request({ method: 'GET', url });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ data: { name: string }[] }>().data.map((row) => row.name);
  };

  beforeAll(async () => {
    t = await createTestApp(dialect);
    await createProduct(t, { name: 'Photo Editor', code: 'photo-editor' });
    await createProduct(t, { name: 'Sound Mixer', code: 'mixer' });
    await createProduct(t, { name: '100% Cotton', code: 'cotton' });
    await createProduct(t, { name: 'Snake_Case Tool', code: 'snake' });
    await createCustomer(t, { name: 'Acme Corporation', email: 'billing@acme.example' });
    await createCustomer(t, { name: 'Globex', email: 'it@globex.example' });
    await createCustomer(t, { name: "O'Hara & Sons", email: null });
    await createCustomer(t, { name: 'Initech', email: null });
  });
  afterAll(() => t.close());

  it('finds products by name or code, ignoring case, newest first', async () => {
    expect(await names('/api/v1/products?q=EDIT')).toEqual(['Photo Editor']);
    expect(await names('/api/v1/products?q=mix')).toEqual(['Sound Mixer']);
    expect(await names('/api/v1/products?q=o')).toEqual([
      'Snake_Case Tool',
      '100% Cotton',
      'Sound Mixer',
      'Photo Editor',
    ]);
    expect(await names('/api/v1/products?q=nothing-like-this')).toEqual([]);
  });

  it('takes % and _ in the text literally', async () => {
    expect(await names('/api/v1/products?q=%25')).toEqual(['100% Cotton']);
    expect(await names('/api/v1/products?q=e_c')).toEqual(['Snake_Case Tool']);
    // A quote is text like any other.
    expect(await names(`/api/v1/customers?q=${encodeURIComponent("o'h")}`)).toEqual(["O'Hara & Sons"]);
  });

  it('finds customers by name or email, and pages through the matches', async () => {
    expect(await names('/api/v1/customers?q=acme')).toEqual(['Acme Corporation']);
    expect(await names('/api/v1/customers?q=GLOBEX.EXAMPLE')).toEqual(['Globex']);
    expect(await names('/api/v1/customers?q=e')).toEqual(['Initech', 'Globex', 'Acme Corporation']);
    const first = (await t.request({ method: 'GET', url: '/api/v1/customers?q=e&limit=2' })).json();
    expect(first.data.map((c: { name: string }) => c.name)).toEqual(['Initech', 'Globex']);
    const second = (
      await t.request({ method: 'GET', url: `/api/v1/customers?q=e&limit=2&cursor=${first.next_cursor}` })
    ).json();
    expect(second).toMatchObject({ data: [{ name: 'Acme Corporation' }], next_cursor: null });
  });

  it('finds licences by key or by their customer', async () => {
    const product = await createProduct(t, { name: 'Keyed' });
    const acme = await createCustomer(t, { name: 'Umbrella Ltd', email: 'ops@umbrella.example' });
    const mine = await createLicense(t, {
      product_id: product.id,
      customer_id: acme.id,
      key: 'UMBR-0000-0000-0001',
    });
    const other = await createLicense(t, { product_id: product.id, key: 'ZZZZ-SEAR-CHME-0002' });
    const keys = async (q: string) =>
      (await t.request({ method: 'GET', url: `/api/v1/licenses?q=${encodeURIComponent(q)}` }))
        .json<{ data: { id: string }[] }>()
        .data.map((l) => l.id);
    expect(await keys('umbrella')).toEqual([mine.id]);
    expect(await keys('sear-ch')).toEqual([other.id]);
    expect(await keys('0000-0001')).toEqual([mine.id]);
    expect(await keys('no such licence')).toEqual([]);
  });

  it('refuses an empty or unknown search parameter', async () => {
    expect((await t.request({ method: 'GET', url: '/api/v1/products?q=' })).statusCode).toBe(422);
    expect((await t.request({ method: 'GET', url: '/api/v1/customers?search=x' })).statusCode).toBe(422);
  });
});
