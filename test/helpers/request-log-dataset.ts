import type { TestContext } from './app.js';
import {
  requestLogSeeder,
  seedRequestLogs,
  type ApiCallFacts,
  type BlockedFacts,
} from './request-log-seed.js';

export const UNKNOWN_KEY = 'ZZZZ-ZZZZ-ZZZZ-ZZZZ';
export const KEY_1 = 'key_01jxaaaaaaaaaaaaaaaaaaaaaa';
export const KEY_2 = 'key_01jxbbbbbbbbbbbbbbbbbbbbbb';
// Every search of the seeded set is bounded to 2025; the app's own entries (its set-up, the searches) are "now".
export const IN_2025 = 'to=2025-12-31T23:59:59.999Z';

export interface Licence {
  id: string;
  key: string;
}

/** Two products, two customers, three licences (two of the first customer), made through the API. */
async function catalogue(t: TestContext) {
  const post = async (url: string, payload: Record<string, unknown>) =>
    (await t.request({ method: 'POST', url, payload })).json() as { id: string; key: string };
  const p1 = await post('/api/v1/products', { name: 'Editor' });
  const p2 = await post('/api/v1/products', { name: 'Viewer' });
  const c1 = await post('/api/v1/customers', { name: 'Acme' });
  const c2 = await post('/api/v1/customers', { name: 'Globex' });
  const licence = async (product: string, customer: string): Promise<Licence> => {
    const { id, key } = await post('/api/v1/licenses', { product_id: product, customer_id: customer });
    return { id, key };
  };
  return {
    products: [p1.id, p2.id] as const,
    customers: [c1.id, c2.id] as const,
    licences: [
      await licence(p1.id, c1.id),
      await licence(p2.id, c1.id),
      await licence(p1.id, c2.id),
    ] as const,
  };
}

export type Dataset = Awaited<ReturnType<typeof catalogue>> & {
  calls: ApiCallFacts[];
  blocked: BlockedFacts[];
};

/**
 * API calls and blocked requests with known answers. As the writer records them, a call that failed
 * before its licence was resolved names no licence, customer or product: only its key's hash.
 */
export async function seedDataset(t: TestContext): Promise<Dataset> {
  const cat = await catalogue(t);
  const [p1, p2] = cat.products;
  const [c1, c2] = cat.customers;
  const [l1, l2, l3] = cat.licences;
  const seed = requestLogSeeder('2025-06-01T00:00:00.000Z');
  const at = <T>(make: () => T) => {
    seed.clock.advance(60_000);
    return make();
  };
  const ok = (l: Licence, customer: string, product: string) => ({
    license_key: l.key,
    license_id: l.id,
    customer_id: customer,
    product_id: product,
  });
  const calls = [
    at(() => seed.apiCall({ ...ok(l1, c1, p1), api_key_id: KEY_1, ip: '203.0.113.7' })),
    at(() => seed.apiCall({ ...ok(l2, c1, p2), api_key_id: KEY_2, ip: '2001:db8::5' })),
    at(() =>
      seed.apiCall({
        license_key: l1.key,
        status: 403,
        error_code: 'ERR_LICENSE_SUSPENDED',
        error_message: 'The licence is suspended.',
        api_key_id: KEY_1,
        ip: '203.0.113.200',
      }),
    ),
    at(() => seed.apiCall({ ...ok(l3, c2, p1), endpoint: '/api/v1/licenses/activate', api_key_id: KEY_2 })),
    at(() =>
      seed.apiCall({
        license_key: UNKNOWN_KEY,
        status: 404,
        error_code: 'ERR_LICENSE_NOT_FOUND',
        error_message: 'The licence does not exist.',
        ip: '203.0.113.9',
        user_agent: 'Evil-Scanner/1.0',
      }),
    ),
    at(() =>
      seed.apiCall({
        endpoint: '/api/v1/licenses/:id',
        path: `/api/v1/licenses/${l1.id}`,
        method: 'GET',
        channel: 'portal',
        ip: '10.0.0.1',
        user_agent: 'Mozilla/5.0',
      }),
    ),
    at(() =>
      seed.apiCall({
        status: 500,
        error_code: 'ERR_INTERNAL',
        error_message: 'database timeout after 50% of_the budget',
        api_key_id: KEY_1,
        ip: '203.0.113.50',
      }),
    ),
    at(() =>
      seed.apiCall({
        endpoint: '/api/v1/products/:id',
        path: '/api/v1/products/prd_gone',
        method: 'DELETE',
        status: 404,
        error_code: 'ERR_NOT_FOUND',
        channel: 'portal',
        ip: '10.0.0.2',
      }),
    ),
    at(() =>
      seed.apiCall({
        license_key: l3.key,
        status: 422,
        error_code: 'ERR_VALIDATION',
        api_key_id: KEY_2,
        ip: '2001:db8:1::1',
      }),
    ),
    at(() =>
      seed.apiCall({ ...ok(l2, c1, p2), endpoint: '/api/v1/licenses/status', channel: 'cli', ip: null }),
    ),
  ];
  const blocked = [
    at(() => seed.blocked({ rule_id: 'rate:ip', ip: '203.0.113.7', country_code: 'US' })),
    at(() =>
      seed.blocked({
        block_reason: 'SQL_INJECTION_ATTEMPT',
        rule_id: 'crs-942-100',
        ip: '203.0.113.200',
        method: 'GET',
        path: '/api/v1/licenses?id=1 OR 1=1',
        matched_location: 'query',
        country_code: 'DE',
        threat_score: 90,
      }),
    ),
    at(() =>
      seed.blocked({
        block_reason: 'GEO_BLOCKED',
        rule_id: 'rule_01jxcccccccccccccccccccccc',
        ip: '2001:db8::5',
        country_code: 'KP',
        threat_score: 50,
      }),
    ),
    at(() =>
      seed.blocked({
        block_reason: 'IP_BLOCKLISTED',
        rule_id: 'rule_01jxdddddddddddddddddddddd',
        ip: '198.51.100.1',
        user_agent: 'sqlmap/1.7',
        threat_score: 100,
      }),
    ),
    at(() => seed.blocked({ ip: '203.0.113.9', country_code: 'US', threat_score: 30 })),
  ];
  await seedRequestLogs(t, calls, blocked);
  return { ...cat, calls, blocked };
}
