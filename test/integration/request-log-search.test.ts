import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { IN_2025, KEY_1, UNKNOWN_KEY, seedDataset, type Dataset } from '../helpers/request-log-dataset.js';
import { requestLogSeeder, seedRequestLogs } from '../helpers/request-log-seed.js';

type Case = [name: string, query: (d: Dataset) => string, expected: number[]];

describe.each(DIALECTS)('searching the request logs on %s', (dialect) => {
  let t: TestContext;
  let d: Dataset;

  const get = (url: string) => t.request({ method: 'GET', url });

  /** Every page of a search, newest first. */
  async function all(log: string, query: string, limit = 200): Promise<{ id: string }[]> {
    const entries: { id: string }[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(
        `/api/v1/logs/${log}?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json();
      entries.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    return entries;
  }

  /** The seeded entries numbered from 1 in time order, as the API lists them: newest first. */
  const newestFirst = (rows: { id: string }[], numbers: number[]) =>
    numbers
      .map((n) => rows[n - 1]!.id)
      .sort()
      .reverse();

  async function expectAnswer(log: string, rows: { id: string }[], query: string, numbers: number[]) {
    const bounded = query.includes('to=') ? query : `${query}&${IN_2025}`;
    const want = newestFirst(rows, numbers);
    expect((await all(log, bounded)).map((e) => e.id)).toEqual(want);
    // Pages of one give the same answer: the cursor works with every filter.
    expect((await all(log, bounded, 1)).map((e) => e.id)).toEqual(want);
  }

  beforeAll(async () => {
    t = await createTestApp(dialect);
    d = await seedDataset(t);
  });
  afterAll(() => t.close());

  const calls: Case[] = [
    ['no filter', () => '', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]],
    ['endpoint', () => 'endpoint=/api/v1/licenses/activate', [4]],
    ['method', () => 'method=GET', [6]],
    ['an exact status', () => 'status=404', [5, 8]],
    ['a success status', () => 'status=200', [1, 2, 4, 6, 10]],
    ['a status class', () => 'status=4xx', [3, 5, 8, 9]],
    ['server errors', () => 'status=5xx', [7]],
    [
      'a customer, failed calls with its keys included',
      (d) => `customer_id=${d.customers[0]}`,
      [1, 2, 3, 10],
    ],
    ['another customer', (d) => `customer_id=${d.customers[1]}`, [4, 9]],
    ['a licence', (d) => `license_id=${d.licences[0].id}`, [1, 3]],
    ['a full licence key', (d) => `license_key=${d.licences[2].key}`, [4, 9]],
    ['a key no licence has', () => `license_key=${UNKNOWN_KEY}`, [5]],
    ['a product', (d) => `product_id=${d.products[0]}`, [1, 4]],
    ['an API key', () => `api_key_id=${KEY_1}`, [1, 3, 7]],
    ['an IPv4 address', () => 'ip=203.0.113.7', [1]],
    ['an IPv4 CIDR', () => 'ip=203.0.113.0/24', [1, 3, 5, 7]],
    ['a CIDR that is not octet-aligned', () => 'ip=203.0.113.128/25', [3]],
    ['an IPv6 CIDR', () => 'ip=2001:db8::/32', [2, 9]],
    ['an IPv4 address written as mapped IPv6', () => 'ip=::ffff:203.0.113.7', [1]],
    ['an IPv4 CIDR written as mapped IPv6', () => 'ip=::ffff:203.0.113.0/120', [1, 3, 5, 7]],
    ['an endpoint never logged', () => 'endpoint=/api/v1/never/logged', []],
    ['free text in the route pattern, any case', () => 'q=ACTIVATE', [4]],
    ['a channel', () => 'channel=portal', [6, 8]],
    ['free text in the user agent, any case', () => 'q=evil-scanner', [5]],
    ['free text in the path', (d) => `q=${d.licences[0].id}`, [6]],
    ['a literal % and _ in free text', () => 'q=50%25%20of_the', [7]],
    ['free text in the error message', () => 'q=SUSPENDED', [3]],
    ['from and to, inclusive', () => 'from=2025-06-01T00:03:00.000Z&to=2025-06-01T00:05:00.000Z', [3, 4, 5]],
    ['failures from a range', () => 'status=4xx&ip=203.0.113.0/24', [3, 5]],
    ["a customer's failures", (d) => `customer_id=${d.customers[0]}&status=4xx`, [3]],
    ['endpoint and server errors', () => 'endpoint=/api/v1/licenses/validate&status=5xx', [7]],
    [
      'a licence of another customer',
      (d) => `customer_id=${d.customers[1]}&license_id=${d.licences[0].id}`,
      [],
    ],
    [
      'a licence and its key',
      (d) => `license_id=${d.licences[0].id}&license_key=${d.licences[0].key}`,
      [1, 3],
    ],
    [
      'a customer, a method and text',
      (d) => `customer_id=${d.customers[0]}&method=POST&q=sdk`,
      [1, 2, 3, 10],
    ],
  ];

  it.each(calls)('filters API calls by %s', async (_name, query, numbers) => {
    await expectAnswer('api-calls', d.calls, query(d), numbers);
  });

  const failed: Case[] = [
    ['no filter', () => '', [3, 5, 7, 8, 9]],
    ['error code', () => 'error_code=ERR_LICENSE_SUSPENDED', [3]],
    ['endpoint', () => 'endpoint=/api/v1/licenses/validate', [3, 5, 7, 9]],
    ['address range', () => 'ip=203.0.113.0/24', [3, 5, 7]],
    ['a full licence key', (d) => `license_key=${d.licences[0].key}`, [3]],
    ['a customer', (d) => `customer_id=${d.customers[1]}`, [9]],
    ['an exact status', () => 'status=422', [9]],
    ['a success status, which no failure has', () => 'status=200', []],
    ['error code and address', () => 'error_code=ERR_NOT_FOUND&ip=10.0.0.0/8', [8]],
  ];

  it.each(failed)('filters failed calls by %s', async (_name, query, numbers) => {
    await expectAnswer('failed-api-calls', d.calls, query(d), numbers);
  });

  const blocked: Case[] = [
    ['no filter', () => '', [1, 2, 3, 4, 5]],
    ['block reason', () => 'block_reason=SQL_INJECTION_ATTEMPT', [2]],
    ['rule id', () => 'rule_id=rate:ip', [1]],
    ['an address range', () => 'ip=203.0.113.0/24', [1, 2, 5]],
    ['an IPv6 address', () => 'ip=2001:db8::5', [3]],
    ['an IPv4 address written as mapped IPv6', () => 'ip=::ffff:203.0.113.7', [1]],
    ['country, any case', () => 'country=us', [1, 5]],
    ['minimum threat score', () => 'min_threat_score=50', [2, 3, 4]],
    ['method', () => 'method=GET', [2]],
    ['free text in the user agent', () => 'q=SQLMAP', [4]],
    ['free text in the path', () => 'q=licenses%3Fid', [2]],
    ['free text in the matched location', () => 'q=QUERY', [2]],
    ['range and score', () => 'ip=203.0.113.0/24&min_threat_score=25', [2, 5]],
    ['reason and country', () => 'block_reason=RATE_LIMIT_EXCEEDED&country=US', [1, 5]],
  ];

  it.each(blocked)('filters blocked requests by %s', async (_name, query, numbers) => {
    await expectAnswer('blocked', d.blocked, query(d), numbers);
  });

  it('answers with the contract fields, the key masked', async () => {
    const [entry] = (
      await get(`/api/v1/logs/failed-api-calls?license_key=${d.licences[0].key}&${IN_2025}`)
    ).json().data;
    expect(entry).toMatchObject({
      id: d.calls[2]!.id,
      timestamp: d.calls[2]!.timestamp,
      endpoint: '/api/v1/licenses/validate',
      status: 403,
      license_key: `XXXX-XXXX-XXXX-${d.licences[0].key.slice(-4)}`,
      error_code: 'ERR_LICENSE_SUSPENDED',
      ip: '203.0.113.200',
    });
  });

  it.each([
    ['api-calls', 'admin=alice@example.test', 'admin', 'is not an allowed field'],
    ['api-calls', 'error_code=ERR_NOT_FOUND', 'error_code', 'is not an allowed field'],
    ['api-calls', 'block_reason=GEO_BLOCKED', 'block_reason', 'is not an allowed field'],
    ['api-calls', 'status=600', 'status', 'must match pattern'],
    ['api-calls', 'status=4x', 'status', 'must match pattern'],
    ['api-calls', 'method=FETCH', 'method', 'allowed values'],
    ['api-calls', 'channel=email', 'channel', 'allowed values'],
    ['api-calls', 'ip=10.1', 'ip', 'IP address or a CIDR range'],
    ['api-calls', 'customer_id=acme', 'customer_id', 'must match pattern'],
    ['api-calls', 'license_key=7K2M', 'license_key', 'fewer than 8'],
    ['failed-api-calls', 'error_code=not-a-code', 'error_code', 'must match pattern'],
    ['blocked', 'endpoint=/api/v1/licenses/validate', 'endpoint', 'is not an allowed field'],
    ['blocked', 'block_reason=BORED', 'block_reason', 'allowed values'],
    ['blocked', 'min_threat_score=101', 'min_threat_score', 'must be <= 100'],
    ['blocked', 'min_threat_score=high', 'min_threat_score', 'must be integer'],
    ['blocked', 'country=USA', 'country', 'must match pattern'],
    ['blocked', 'ip=203.0.113.0/33', 'ip', 'IP address or a CIDR range'],
  ])('answers 422 on %s for %s', async (log, query, field, message) => {
    const response = await get(`/api/v1/logs/${log}?${query}`);
    expect(response.statusCode).toBe(422);
    const { error } = response.json();
    expect(error.code).toBe('ERR_VALIDATION');
    expect(error.details).toEqual([{ field, message: expect.stringContaining(message) }]);
    // A rejected key is not echoed back.
    if (field === 'license_key') expect(response.body).not.toContain('7K2M');
  });

  it("keeps pages stable while entries are written, across a customer's several keys", async () => {
    const [l1, l2] = d.licences;
    const customer = d.customers[0];
    const seed = requestLogSeeder('2025-09-01T00:00:00.000Z');
    const call = (key: string) => {
      seed.clock.advance(1000);
      return seed.apiCall({ license_key: key, status: 403, error_code: 'ERR_LICENSE_EXPIRED' });
    };
    const before = [l1, l2, l1, l1, l2, l2, l1].map((l) => call(l.key));
    await seedRequestLogs(t, before);
    const window = `from=2025-09-01T00:00:00Z&to=2025-09-30T00:00:00Z&customer_id=${customer}`;
    const url = (extra: string) => `/api/v1/logs/failed-api-calls?${window}&limit=3${extra}`;
    const first = (await get(url(''))).json();
    const ids = (rows: { id: string }[]) => rows.map((r) => r.id).reverse();
    expect(first.data.map((e: { id: string }) => e.id)).toEqual(ids(before.slice(-3)));

    // Newer entries arrive between pages, one in the same millisecond as the newest.
    const during = [seed.apiCall({ license_key: l2.key, status: 404 }), call(l1.key)];
    await seedRequestLogs(t, during);

    const rest: string[] = [];
    let cursor = first.next_cursor;
    while (cursor) {
      const page = (await get(url(`&cursor=${cursor}`))).json();
      rest.push(...page.data.map((e: { id: string }) => e.id));
      cursor = page.next_cursor;
    }
    // No entry twice, none skipped: the remaining pages continue exactly where the first stopped.
    expect(rest).toEqual(ids(before.slice(0, 4)));
    expect((await all('failed-api-calls', window)).map((e) => e.id)).toEqual(ids([...before, ...during]));
  });

  it('never counts an IPv6 address whose bytes begin like an IPv4 range as inside it', async () => {
    const seed = requestLogSeeder('2025-10-01T00:00:00.000Z');
    const at = <T>(make: () => T) => {
      seed.clock.advance(1000);
      return make();
    };
    // cb00:7100::/32 starts with the bytes of 203.0.113.0: byte order alone puts it in 203.0.113.0/24.
    const calls = [
      at(() => seed.apiCall({ ip: '198.51.100.7' })),
      at(() => seed.apiCall({ ip: 'cb00:7100::1' })),
    ];
    const inRange = at(() => seed.apiCall({ ip: '203.0.113.1' }));
    const blocked = [
      at(() => seed.blocked({ ip: 'cb00:7100::1' })),
      at(() => seed.blocked({ ip: '203.0.113.1' })),
    ];
    await seedRequestLogs(t, [...calls, inRange], blocked);
    const window = 'from=2025-10-01T00:00:00Z&to=2025-10-02T00:00:00Z';
    const ids = async (log: string, ip: string) => (await all(log, `${window}&ip=${ip}`)).map((e) => e.id);
    expect(await ids('api-calls', '203.0.113.0/24')).toEqual([inRange.id]);
    expect(await ids('api-calls', 'cb00:7100::/32')).toEqual([calls[1]!.id]);
    expect(await ids('blocked', '203.0.113.0/24')).toEqual([blocked[1]!.id]);
    expect(await ids('blocked', 'cb00:7100::/32')).toEqual([blocked[0]!.id]);
  });
});
