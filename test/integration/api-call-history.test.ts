import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyWithRole } from '../helpers/access.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { IN_2025, seedDataset, type Dataset } from '../helpers/request-log-dataset.js';

const UNKNOWN = '01jzzzzzzzzzzzzzzzzzzzzzzz';

describe.each(DIALECTS)("a customer's and a licence's API history on %s", (dialect) => {
  let t: TestContext;
  let d: Dataset;
  let security: string;

  const get = (url: string, key?: string) => t.request({ method: 'GET', url, ...(key && { key }) });
  const ids = (response: { json(): { data: { id: string }[] } }) => response.json().data.map((e) => e.id);
  /** Seeded calls by number (from 1, in time order), newest first. */
  const calls = (...numbers: number[]) => numbers.map((n) => d.calls[n - 1]!.id).reverse();

  beforeAll(async () => {
    t = await createTestApp(dialect);
    d = await seedDataset(t);
    security = await keyWithRole(t, 'security');
  });
  afterAll(() => t.close());

  it("lists every call with the customer's keys, failures before the licence was resolved included", async () => {
    const response = await get(`/api/v1/customers/${d.customers[0]}/api-calls?${IN_2025}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(ids(response)).toEqual(calls(1, 2, 3, 10));
    expect(ids(await get(`/api/v1/customers/${d.customers[0]}/api-calls?status=4xx&${IN_2025}`))).toEqual(
      calls(3),
    );
    const paged = await get(`/api/v1/customers/${d.customers[0]}/api-calls?limit=3&${IN_2025}`);
    expect(ids(paged)).toEqual(calls(2, 3, 10));
    const next = await get(
      `/api/v1/customers/${d.customers[0]}/api-calls?limit=3&cursor=${paged.json().next_cursor}&${IN_2025}`,
    );
    expect(ids(next)).toEqual(calls(1));
    expect(next.json().next_cursor).toBeNull();
  });

  it("lists a licence's calls, and exports them", async () => {
    const url = `/api/v1/licenses/${d.licences[2].id}/api-calls?${IN_2025}`;
    expect(ids(await get(url))).toEqual(calls(4, 9));
    const csv = await get(`${url}&format=csv`);
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toContain('text/csv');
    const [header, ...rows] = parse(csv.body) as string[][];
    expect(rows.map((row) => row[0])).toEqual(calls(4, 9));
    expect(rows.map((row) => row[header!.indexOf('license_key')])).toEqual([
      `XXXX-XXXX-XXXX-${d.licences[2].key.slice(-4)}`,
      `XXXX-XXXX-XXXX-${d.licences[2].key.slice(-4)}`,
    ]);
    expect(csv.body).not.toContain(d.licences[2].key);
  });

  it('finds the calls the server records itself, by the licence and by its key', async () => {
    const [licence] = d.licences;
    const { secret } = await t.services.apiKeys.create({ name: 'sdk', scope: 'licenses' });
    const since = `from=${new Date(t.clock.now().getTime() - 1000).toISOString()}`;
    // A plain validation succeeds; one naming a machine never activated fails before the licence is named.
    for (const payload of [{ license_key: licence.key }, { license_key: licence.key, fingerprint: 'nope' }]) {
      await t.request({ method: 'POST', url: '/api/v1/licenses/validate', key: secret, payload });
    }
    await t.services.requestLogs.flush();
    const byLicence = await get(`/api/v1/licenses/${licence.id}/api-calls?${since}&ip=127.0.0.0/8`);
    const found = byLicence.json().data as { status: number; license_id: string | null; endpoint: string }[];
    expect(found.map((e) => [e.endpoint, e.status >= 400, e.license_id])).toEqual([
      ['/api/v1/licenses/validate', true, null],
      ['/api/v1/licenses/validate', false, licence.id],
    ]);
    const byKey = await get(`/api/v1/logs/api-calls?${since}&license_key=${licence.key}`);
    expect(ids(byKey)).toEqual(ids(byLicence));
  });

  it('answers 404 for an unknown customer or licence, and 422 for the filter the path gives', async () => {
    for (const url of [
      `/api/v1/customers/cus_${UNKNOWN}/api-calls`,
      `/api/v1/licenses/lic_${UNKNOWN}/api-calls`,
    ]) {
      const response = await get(url);
      expect(response.statusCode).toBe(404);
      expect(response.json().error.code).toBe('ERR_NOT_FOUND');
    }
    const customer = await get(`/api/v1/customers/${d.customers[0]}/api-calls?customer_id=${d.customers[1]}`);
    expect(customer.statusCode).toBe(422);
    expect(customer.json().error.details).toEqual([
      { field: 'customer_id', message: 'is not an allowed field' },
    ]);
    const licence = await get(
      `/api/v1/licenses/${d.licences[0].id}/api-calls?license_key=${d.licences[0].key}`,
    );
    expect(licence.statusCode).toBe(422);
    expect(licence.body).not.toContain(d.licences[0].key);
  });

  it('needs logs:read as well as the read permission of the customer or licence', async () => {
    for (const role of ['support', 'admin', 'viewer'] as const) {
      const key = await keyWithRole(t, role);
      const response = await get(`/api/v1/customers/${d.customers[0]}/api-calls`, key);
      expect(response.statusCode, role).toBe(403);
      expect(response.json().error.code).toBe('ERR_INSUFFICIENT_SCOPE');
    }
    expect((await get(`/api/v1/licenses/${d.licences[0].id}/api-calls`, security)).statusCode).toBe(200);
  });

  it('records each read in the activity log, an unknown id as a failure', async () => {
    const entries = await newActivity(t, async () => {
      await get(`/api/v1/customers/${d.customers[0]}/api-calls?status=4xx&${IN_2025}`, security);
      await get(`/api/v1/licenses/lic_${UNKNOWN}/api-calls`, security);
    });
    expect(entries.map((e) => [e.action_type, e.resource, e.result, e.error_code])).toEqual([
      ['LOGS_SEARCHED', 'api-calls log', 'success', null],
      ['LOGS_SEARCHED', null, 'failure', 'ERR_NOT_FOUND'],
    ]);
    expect(detailsOf(entries[0]!)).toEqual({
      log: 'api-calls',
      filters: { status: '4xx', to: '2025-12-31T23:59:59.999Z', customer_id: d.customers[0] },
    });
    expect(entries[1]!.resource_id).toBe(`lic_${UNKNOWN}`);
  });

  it('never keeps the licence key of a search: not in its activity entry, nor in its own API-call entry', async () => {
    const { key } = d.licences[1];
    const entries = await newActivity(t, async () => {
      const response = await get(`/api/v1/logs/api-calls?license_key=${key}&q=${key}&${IN_2025}`, security);
      expect(ids(response)).toEqual([]);
    });
    expect(entries).toHaveLength(1);
    expect(JSON.stringify(entries[0])).not.toContain(key);
    expect(detailsOf(entries[0]!).filters).toMatchObject({
      license_key: '[REDACTED]',
      q: `XXXX-XXXX-XXXX-${key.slice(-4)}`,
    });
    await t.services.requestLogs.flush();
    const searches = await get(`/api/v1/logs/api-calls?endpoint=/api/v1/logs/api-calls&limit=200`);
    expect(searches.json().data.length).toBeGreaterThan(0);
    expect(searches.body).not.toContain(key);
  });
});
