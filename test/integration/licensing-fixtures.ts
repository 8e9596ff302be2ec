import { expect } from 'vitest';
import type { TestContext } from '../helpers/app.js';

/** Small builders over the public API, so tests read as a user's steps. */
export async function createProduct(t: TestContext, body: Record<string, unknown> = {}) {
  const response = await t.request({
    method: 'POST',
    url: '/api/v1/products',
    payload: { name: 'App', ...body },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string; code: string | null }>();
}

export async function createCustomer(t: TestContext, body: Record<string, unknown> = {}) {
  const response = await t.request({
    method: 'POST',
    url: '/api/v1/customers',
    payload: { name: 'Acme', ...body },
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{ id: string }>();
}

export interface LicenseBody {
  id: string;
  key: string;
  status: string;
  status_reason: string | null;
  max_activations: number | null;
  activations_used: number;
  expires_at: string | null;
  product_id: string;
  customer_id: string | null;
  features: string[];
  metadata: Record<string, unknown>;
}

export async function createLicense(t: TestContext, body: Record<string, unknown>) {
  const response = await t.request({ method: 'POST', url: '/api/v1/licenses', payload: body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<LicenseBody>();
}

/** Rows in a table, read straight from the store, to prove a rejected request changed nothing. */
export async function countRows(
  t: TestContext,
  table: 'products' | 'customers' | 'licenses' | 'activations' | 'customer_notes',
): Promise<number> {
  const row = await t.services.core.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export function errorOf(response: { json: () => unknown }) {
  return (response.json() as { error: { code: string; message: string; details?: unknown } }).error;
}

export function fieldsOf(response: { json: () => unknown }): string[] {
  const details = errorOf(response).details as { field: string }[] | undefined;
  return (details ?? []).map((d) => d.field).sort();
}
