import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import {
  countRows,
  createCustomer,
  createLicense,
  createProduct,
  errorOf,
  type LicenseBody,
} from './licensing-fixtures.js';

describe.each(DIALECTS)('licence import and export on %s', (dialect) => {
  let t: TestContext;
  let productId: string;
  let customerId: string;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    productId = (await createProduct(t)).id;
    customerId = (await createCustomer(t)).id;
  });
  afterAll(() => t.close());

  const importJson = (payload: unknown) =>
    t.request({ method: 'POST', url: '/api/v1/licenses/import', payload: payload as object });
  const importCsv = (csv: string) =>
    t.request({
      method: 'POST',
      url: '/api/v1/licenses/import',
      payload: csv,
      headers: { 'content-type': 'text/csv; charset=utf-8' },
    });

  it('imports JSON rows', async () => {
    const response = await importJson({
      licenses: [
        { product_id: productId },
        { product_id: productId, customer_id: customerId, key: 'JSON-IMPORT-0001', max_activations: null },
        { product_id: productId, features: ['a'], metadata: { n: 1 }, expires_at: '2099-01-01T00:00:00Z' },
      ],
    });
    expect(response.statusCode, response.body).toBe(201);
    const body = response.json<{ imported: number; licenses: LicenseBody[] }>();
    expect(body.imported).toBe(3);
    expect(body.licenses[1]).toMatchObject({
      key: 'JSON-IMPORT-0001',
      customer_id: customerId,
      max_activations: null,
    });
    expect(body.licenses[2]).toMatchObject({
      features: ['a'],
      metadata: { n: 1 },
      expires_at: '2099-01-01T00:00:00.000Z',
    });
    const stored = await t.request({ method: 'GET', url: `/api/v1/licenses/${body.licenses[1]!.id}` });
    expect(stored.json()).toMatchObject({ key: 'JSON-IMPORT-0001', status: 'active' });
  });

  it('imports CSV rows with list, JSON and empty cells', async () => {
    const csv = [
      'product_id,customer_id,key,max_activations,expires_at,features,metadata',
      `${productId},${customerId},CSV-IMPORT-0001,5,2099-06-01T00:00:00Z,pro;sync,"{""seat"":""A""}"`,
      `${productId},,,unlimited,,"[""x"",""y""]",`,
      `${productId},,,,,,`,
    ].join('\n');
    const response = await importCsv(csv);
    expect(response.statusCode, response.body).toBe(201);
    const { imported, licenses } = response.json<{ imported: number; licenses: LicenseBody[] }>();
    expect(imported).toBe(3);
    expect(licenses[0]).toMatchObject({
      key: 'CSV-IMPORT-0001',
      customer_id: customerId,
      max_activations: 5,
      features: ['pro', 'sync'],
      metadata: { seat: 'A' },
    });
    expect(licenses[1]).toMatchObject({ customer_id: null, max_activations: null, features: ['x', 'y'] });
    expect(licenses[2]).toMatchObject({ max_activations: 1, features: [], metadata: {} });
    expect(licenses[2]!.key).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);
  });

  it('rejects a CSV file with bad rows and imports nothing', async () => {
    const before = await countRows(t, 'licenses');
    const csv = [
      'product_id,customer_id,key,max_activations',
      `${productId},,GOOD-KEY-0001,2`,
      `prd_01jzzzzzzzzzzzzzzzzzzzzzzz,,,2`,
      `${productId},cus_01jzzzzzzzzzzzzzzzzzzzzzzz,,many`,
      `${productId},,GOOD-KEY-0001,1`,
    ].join('\n');
    const response = await importCsv(csv);
    expect(response.statusCode).toBe(422);
    const error = errorOf(response);
    expect(error.code).toBe('ERR_IMPORT_INVALID');
    expect(error.message).toContain('header is line 1');
    expect(error.details).toEqual([
      { row: 3, field: 'product_id', message: expect.any(String) },
      { row: 4, field: 'max_activations', message: expect.any(String) },
      { row: 5, field: 'key', message: 'repeats the key of row 2' },
    ]);
    expect(await countRows(t, 'licenses')).toBe(before);
  });

  it('rejects keys already in the database, unknown columns and bad JSON cells', async () => {
    const existing = await createLicense(t, { product_id: productId, key: 'TAKEN-KEY-0001' });
    const before = await countRows(t, 'licenses');
    const taken = await importJson({
      licenses: [{ product_id: productId }, { product_id: productId, key: existing.key }],
    });
    expect(taken.statusCode).toBe(422);
    expect(errorOf(taken).details).toEqual([
      { row: 2, field: 'key', message: 'is already used by another licence' },
    ]);

    const column = await importCsv(`product_id,colour\n${productId},red`);
    expect(errorOf(column)).toMatchObject({
      code: 'ERR_IMPORT_INVALID',
      details: [{ row: 1, field: 'colour', message: 'is not an allowed column' }],
    });
    const json = await importCsv(`product_id,metadata\n${productId},{nope`);
    expect(errorOf(json).details).toEqual([{ row: 2, field: 'metadata', message: 'is not valid JSON' }]);
    const typed = await importJson({
      licenses: [{ product_id: productId, max_activations: '3', colour: 'red' }],
    });
    expect(errorOf(typed).details).toEqual([
      { row: 1, field: 'colour', message: 'is not an allowed field' },
      { row: 1, field: 'max_activations', message: expect.any(String) },
    ]);
    expect(await countRows(t, 'licenses')).toBe(before);
  });

  it('rejects an empty import, a wrong shape and more than 10 000 rows', async () => {
    const before = await countRows(t, 'licenses');
    expect(errorOf(await importJson({ licenses: [] })).code).toBe('ERR_IMPORT_INVALID');
    expect(errorOf(await importJson({ rows: [] })).code).toBe('ERR_IMPORT_INVALID');
    const tooMany = await importJson({
      licenses: Array.from({ length: 10_001 }, () => ({ product_id: productId })),
    });
    expect(tooMany.statusCode).toBe(422);
    expect(errorOf(tooMany).details).toEqual([
      { row: null, field: 'licenses', message: 'has more than 10000 rows' },
    ]);
    expect(await countRows(t, 'licenses')).toBe(before);
  });

  it('answers text/plain on the import route as a malformed request', async () => {
    const before = await countRows(t, 'licenses');
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/licenses/import',
      payload: `product_id\n${productId}`,
      headers: { 'content-type': 'text/plain' },
    });
    expect(response.statusCode).toBe(400);
    expect(errorOf(response).code).toBe('ERR_MALFORMED_REQUEST');
    expect(await countRows(t, 'licenses')).toBe(before);
  });

  it('exports licences as CSV, with the list filters', async () => {
    const product = await createProduct(t);
    const a = await createLicense(t, { product_id: product.id, features: ['f1'], metadata: { k: 'v' } });
    const b = await createLicense(t, { product_id: product.id, max_activations: null });
    await t.request({
      method: 'POST',
      url: `/api/v1/licenses/${b.id}/revoke`,
      payload: { reason: 'refund' },
    });

    const response = await t.request({
      method: 'GET',
      url: `/api/v1/licenses/export?product_id=${product.id}`,
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(response.body, { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual([
      'id',
      'key',
      'product_id',
      'customer_id',
      'status',
      'max_activations',
      'activations_used',
      'expires_at',
      'features',
      'metadata',
      'created_at',
    ]);
    expect(rows.map((r) => r.id)).toEqual([b.id, a.id]);
    expect(rows[0]).toMatchObject({ key: b.key, status: 'revoked', max_activations: '' });
    expect(rows[1]).toMatchObject({
      key: a.key,
      status: 'active',
      max_activations: '1',
      activations_used: '0',
      features: '["f1"]',
      metadata: '{"k":"v"}',
    });

    const active = await t.request({
      method: 'GET',
      url: `/api/v1/licenses/export?product_id=${product.id}&status=active`,
    });
    expect((parse(active.body, { columns: true }) as { id: string }[]).map((r) => r.id)).toEqual([a.id]);
  });

  it('round-trips an export through the CSV import', async () => {
    const product = await createProduct(t);
    await createLicense(t, {
      product_id: product.id,
      key: 'ROUND-TRIP-0001',
      features: ['a', 'b'],
      metadata: { x: 1 },
    });
    const exported = await t.request({
      method: 'GET',
      url: `/api/v1/licenses/export?product_id=${product.id}`,
    });
    const rows = parse(exported.body, { columns: true }) as Record<string, string>[];
    await t.request({ method: 'DELETE', url: `/api/v1/licenses/${rows[0]!.id}` });
    const csv = ['product_id,key,max_activations,features,metadata']
      .concat(
        rows.map((r) =>
          [r.product_id, r.key, r.max_activations, r.features, r.metadata]
            .map((c) => `"${c!.replaceAll('"', '""')}"`)
            .join(','),
        ),
      )
      .join('\n');
    const response = await importCsv(csv);
    expect(response.statusCode, response.body).toBe(201);
    expect(response.json().licenses[0]).toMatchObject({
      key: 'ROUND-TRIP-0001',
      features: ['a', 'b'],
      metadata: { x: 1 },
    });
  });
});
