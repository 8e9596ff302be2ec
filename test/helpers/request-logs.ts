import type { Db } from '../../src/db/database.js';
import type { TestContext } from './app.js';

export interface LicenseFixture {
  key: string;
  licenseId: string;
  productId: string;
  customerId: string;
  apiKey: string;
  apiKeyId: string;
}

/** A product, a customer, a licence and a licence-scoped API key, set up through the API. */
export async function licenseFixture(t: TestContext): Promise<LicenseFixture> {
  const product = (
    await t.request({ method: 'POST', url: '/api/v1/products', payload: { name: 'App' } })
  ).json();
  const customer = (
    await t.request({ method: 'POST', url: '/api/v1/customers', payload: { name: 'Acme' } })
  ).json();
  const license = (
    await t.request({
      method: 'POST',
      url: '/api/v1/licenses',
      payload: { product_id: product.id, customer_id: customer.id },
    })
  ).json();
  const { apiKey, secret } = await t.services.apiKeys.create({ name: 'sdk', scope: 'licenses' });
  return {
    key: license.key,
    licenseId: license.id,
    productId: product.id,
    customerId: customer.id,
    apiKey: secret,
    apiKeyId: apiKey.id,
  };
}

/** Entries as the API returns them; tests compare them field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LogEntry = Record<string, any>;

type LogPath = 'api-calls' | 'failed-api-calls' | 'blocked';

/** Every entry of a log after flushing the pipeline, newest first (reading is itself not counted). */
export async function readLog(t: TestContext, log: LogPath): Promise<LogEntry[]> {
  await t.services.requestLogs.flush();
  const entries: LogEntry[] = [];
  let cursor: string | undefined;
  do {
    const query = `limit=200${cursor ? `&cursor=${cursor}` : ''}`;
    const page = (await t.request({ method: 'GET', url: `/api/v1/logs/${log}?${query}` })).json();
    entries.push(...page.data);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return entries.filter((entry) => !String(entry.endpoint ?? '').startsWith('/api/v1/logs/'));
}

/**
 * The stored API-call rows with their route pattern and user agent read from the dictionaries, for
 * tests that look at the store itself rather than through the API.
 */
export function storedApiCalls(db: Db) {
  return db
    .selectFrom('api_call_log')
    .leftJoin('log_endpoints', 'log_endpoints.id', 'api_call_log.endpoint_id')
    .leftJoin('log_user_agents', 'log_user_agents.id', 'api_call_log.user_agent_id')
    .select(['log_endpoints.value as endpoint', 'log_user_agents.value as user_agent']);
}
