import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyWithRole } from '../helpers/access.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { activitySeeder, seedActivity, type SeedRow } from '../helpers/activity-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

const KEY_ID = 'key_01jxaaaaaaaaaaaaaaaaaaaaaa';
const ADMIN_ID = 'adm_01jxbbbbbbbbbbbbbbbbbbbbbb';
// Every search of the seeded set is bounded to 2025; the app's own entries (the searches) are "now".
const IN_2025 = 'to=2025-12-31T23:59:59.999Z';

describe.each(DIALECTS)('searching the activity log on %s', (dialect) => {
  let t: TestContext;
  let seeded: SeedRow[];

  const get = (query: string, key?: string) =>
    t.request({ method: 'GET', url: `/api/v1/logs/activity?${query}`, ...(key && { key }) });

  /** Every page of a search, newest first. */
  async function all(query: string, limit = 200): Promise<{ id: string }[]> {
    const entries: { id: string }[] = [];
    let cursor: string | null = null;
    do {
      const response = await get(`${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(response.statusCode, response.body).toBe(200);
      const page = response.json();
      entries.push(...page.data);
      cursor = page.next_cursor;
    } while (cursor);
    return entries;
  }

  /** The known answer: the seeded rows the predicate selects, newest first. */
  const expected = (keep: (row: SeedRow) => boolean) =>
    seeded
      .filter(keep)
      .map((row) => row.id)
      .reverse();

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const seed = activitySeeder('2025-06-01T00:00:00.000Z');
    const at = (fields: Partial<SeedRow>) => {
      seed.clock.advance(60_000);
      return seed.row(fields);
    };
    const apiKey = {
      admin_user: 'ci key',
      actor_type: 'api_key' as const,
      actor_id: KEY_ID,
      channel: 'api' as const,
    };
    seeded = [
      at({
        resource_type: 'product',
        resource_id: 'prd_01jxcccccccccccccccccccccc',
        resource: 'Product prd_01jxcccccccccccccccccccccc (Acme Editor)',
        details: { name: 'Acme Editor' },
        ip: '203.0.113.7',
      }),
      at({
        action_type: 'LICENSE_SUSPENDED',
        resource_type: 'license',
        resource_id: 'lic_1',
        details: { reason: 'Chargeback: 50% Refund' },
        ip: '203.0.113.200',
      }),
      at({
        ...apiKey,
        action_type: 'LICENSE_CREATED',
        resource_type: 'license',
        resource_id: 'lic_2',
        ip: '198.51.100.1',
      }),
      at({
        admin_user: 'cli',
        actor_type: 'system',
        channel: 'cli',
        action_type: 'ADMIN_CREATED',
        resource_type: 'admin',
        resource_id: ADMIN_ID,
      }),
      at({
        admin_user: 'bob@example.test',
        actor_id: ADMIN_ID,
        action_type: 'ADMIN_LOGIN_FAILED',
        resource_type: 'session',
        result: 'failure',
        error_code: 'ERR_INVALID_CREDENTIALS',
        ip: '2001:db8::5',
      }),
      at({
        action_type: 'LICENSE_SUSPENDED',
        resource_type: 'license',
        resource_id: 'lic_2',
        result: 'failure',
        error_code: 'ERR_NOT_FOUND',
        details: { reason: 'fraud_check' },
        ip: '::ffff:203.0.113.9',
      }),
      at({
        ...apiKey,
        action_type: 'LICENSE_REVOKED',
        resource_type: 'license',
        resource_id: 'lic_1',
        details: { reason: 'Refund=100%' },
        ip: '2001:db8:1::1',
      }),
      at({
        action_type: 'LICENSE_UPDATED',
        resource_type: 'license',
        resource_id: 'lic_3',
        details: { note: 'fraudXcheck' },
      }),
      at({
        action_type: 'SETTINGS_UPDATED',
        resource_type: 'settings',
        resource: 'Logging settings',
        details: { changes: { api_call_sample_rate: { before: 1, after: 0.5 } } },
        ip: '203.0.113.7',
      }),
    ];
    await seedActivity(t.services.core.db, seeded);
  });
  afterAll(() => t.close());

  it('lists newest first, in the contract fields, and pages with a cursor', async () => {
    const response = await get(`${IN_2025}&limit=2`);
    expect(response.statusCode).toBe(200);
    const page = response.json();
    const newest = seeded.at(-1)!;
    expect(page.data[0]).toEqual({
      id: newest.id,
      timestamp: newest.timestamp,
      admin_user: 'alice@example.test',
      actor_type: 'admin',
      channel: 'portal',
      action_type: 'SETTINGS_UPDATED',
      resource_type: 'settings',
      resource_id: null,
      resource: 'Logging settings',
      details: { changes: { api_call_sample_rate: { before: 1, after: 0.5 } } },
      result: 'success',
      error_code: null,
      ip: '203.0.113.7',
      session_id: null,
      user_agent: null,
      actor_id: null,
    });
    expect(page.next_cursor).toEqual(expect.any(String));
    expect((await all(IN_2025, 2)).map((e) => e.id)).toEqual(expected(() => true));
  });

  it.each<[string, string, (row: SeedRow) => boolean]>([
    ['admin by email', 'admin=alice@example.test', (r) => r.admin_user === 'alice@example.test'],
    ['admin by email, any case', 'admin=Alice@Example.TEST', (r) => r.admin_user === 'alice@example.test'],
    ['admin by API key name', 'admin=ci%20key', (r) => r.admin_user === 'ci key'],
    ['admin by actor id', `admin=${ADMIN_ID}`, (r) => r.actor_id === ADMIN_ID],
    ['action type', 'action_type=LICENSE_SUSPENDED', (r) => r.action_type === 'LICENSE_SUSPENDED'],
    ['resource type', 'resource=license', (r) => r.resource_type === 'license'],
    ['resource id', 'resource=lic_1', (r) => r.resource_id === 'lic_1'],
    ['result', 'result=failure', (r) => r.result === 'failure'],
    ['channel', 'channel=api', (r) => r.channel === 'api'],
    ['an IPv4 address', 'ip=203.0.113.7', (r) => r.ip === '203.0.113.7'],
    ['an IPv4 address in its mapped IPv6 form', 'ip=::ffff:203.0.113.7', (r) => r.ip === '203.0.113.7'],
    [
      'an IPv4 CIDR, mapped addresses included',
      'ip=203.0.113.0/24',
      (r) => ['203.0.113.7', '203.0.113.200', '::ffff:203.0.113.9'].includes(r.ip ?? ''),
    ],
    ['a CIDR that is not octet-aligned', 'ip=203.0.113.128/25', (r) => r.ip === '203.0.113.200'],
    ['an IPv6 CIDR', 'ip=2001:db8::/32', (r) => (r.ip ?? '').startsWith('2001:db8:')],
    ['an IPv6 address', 'ip=2001:0db8:0:0:0:0:0:5', (r) => r.ip === '2001:db8::5'],
    ['free text, case-insensitive, in details', 'q=REFUND', (r) => /refund/i.test(JSON.stringify(r.details))],
    ['free text in resource', 'q=acme%20editor', (r) => r.resource_type === 'product'],
    ['free text in admin_user', 'q=bob@', (r) => r.admin_user.startsWith('bob@')],
    ['a literal % in free text', 'q=%25', (r) => JSON.stringify(r.details).includes('%')],
    ['a literal _ in free text', 'q=d_c', (r) => JSON.stringify(r.details).includes('d_c')],
    [
      'from and to, inclusive',
      `from=${'2025-06-01T00:03:00.000Z'}&to=${'2025-06-01T00:06:00.000Z'}`,
      (r) => r.timestamp >= '2025-06-01T00:03:00.000Z' && r.timestamp <= '2025-06-01T00:06:00.000Z',
    ],
    [
      'several filters at once',
      'action_type=LICENSE_SUSPENDED&result=failure&ip=203.0.113.0/24',
      (r) => r.action_type === 'LICENSE_SUSPENDED' && r.result === 'failure',
    ],
    [
      'admin, CIDR and text',
      'admin=alice@example.test&ip=203.0.113.0/24&q=refund',
      (r) => r.resource_id === 'lic_1' && r.admin_user === 'alice@example.test',
    ],
    ['nothing matching', 'action_type=REPORT_GENERATED', () => false],
  ])('filters by %s', async (_name, query, keep) => {
    const bounded = query.includes('to=') ? query : `${query}&${IN_2025}`;
    const want = expected(keep);
    if (!query.startsWith('action_type=REPORT')) expect(want.length).toBeGreaterThan(0);
    expect((await all(bounded)).map((e) => e.id)).toEqual(want);
    // Small pages give the same answer: the cursor works with every filter.
    expect((await all(bounded, 1)).map((e) => e.id)).toEqual(want);
  });

  it.each([
    ['an unknown filter', 'status=200', 'status', 'is not an allowed field'],
    ['an action type outside the closed set', 'action_type=LICENSE_EATEN', 'action_type', 'allowed values'],
    ['a bad result', 'result=ok', 'result', 'allowed values'],
    ['a bad channel', 'channel=email', 'channel', 'allowed values'],
    ['a bad address', 'ip=203.0.113.300', 'ip', 'IP address or a CIDR range'],
    ['a shortened address', 'ip=10.1', 'ip', 'IP address or a CIDR range'],
    ['a bad prefix length', 'ip=10.0.0.0/33', 'ip', 'IP address or a CIDR range'],
    ['a date that is not ISO 8601', 'from=yesterday', 'from', 'date-time'],
    [
      'a range ending before it starts',
      'from=2025-02-01T00:00:00Z&to=2025-01-01T00:00:00Z',
      'to',
      'before from',
    ],
    ['an empty text', 'q=', 'q', 'fewer than 1'],
    ['a forged cursor', 'cursor=bm9wZQ', 'cursor', 'not a valid cursor'],
  ])('answers 422 for %s', async (_name, query, field, message) => {
    const response = await get(query);
    expect(response.statusCode).toBe(422);
    const { error } = response.json();
    expect(error.code).toBe('ERR_VALIDATION');
    expect(error.details).toEqual([{ field, message: expect.stringContaining(message) }]);
  });

  it('rejects the activity filters on the other logs the same way', async () => {
    for (const log of ['api-calls', 'failed-api-calls', 'blocked']) {
      const response = await t.request({
        method: 'GET',
        url: `/api/v1/logs/${log}?admin=alice@example.test`,
      });
      expect(response.statusCode).toBe(422);
      expect(response.json().error.details).toEqual([{ field: 'admin', message: 'is not an allowed field' }]);
    }
  });

  it('needs logs:read, and records the search with its filters', async () => {
    const support = await keyWithRole(t, 'support');
    expect((await get(IN_2025, support)).statusCode).toBe(403);
    const security = await keyWithRole(t, 'security');
    const entries = await newActivity(t, async () => {
      expect(
        (await get(`action_type=LICENSE_SUSPENDED&ip=203.0.113.0/24&${IN_2025}`, security)).statusCode,
      ).toBe(200);
    });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      action_type: 'LOGS_SEARCHED',
      resource: 'activity log',
      result: 'success',
    });
    expect(detailsOf(entries[0]!)).toEqual({
      log: 'activity',
      filters: { action_type: 'LICENSE_SUSPENDED', ip: '203.0.113.0/24', to: '2025-12-31T23:59:59.999Z' },
    });
  });

  it('finds entries the app records itself, by what happened', async () => {
    const created = await t.request({
      method: 'POST',
      url: '/api/v1/products',
      payload: { name: 'Search Me' },
    });
    expect(created.statusCode).toBe(201);
    const found = await all('action_type=PRODUCT_CREATED&q=search%20me&from=2026-01-01T00:00:00Z');
    expect(found).toEqual([
      expect.objectContaining({ resource_id: created.json().id, channel: 'api', admin_user: 'test owner' }),
    ]);
  });

  it('keeps pages stable while entries are written', async () => {
    const seed = activitySeeder('2025-09-01T00:00:00.000Z');
    const window = 'from=2025-09-01T00:00:00Z&to=2025-09-30T00:00:00Z';
    const before = Array.from({ length: 7 }, () => {
      seed.clock.advance(1000);
      return seed.row({ action_type: 'CUSTOMER_UPDATED', resource_type: 'customer' });
    });
    await seedActivity(t.services.core.db, before);

    const first = (await get(`${window}&limit=3`)).json();
    expect(first.data.map((e: { id: string }) => e.id)).toEqual(
      before
        .slice(-3)
        .map((r) => r.id)
        .reverse(),
    );
    // Newer entries arrive between pages (same window, later times, and same millisecond as the newest).
    const during = [seed.row({ action_type: 'CUSTOMER_DELETED' })];
    seed.clock.advance(1000);
    during.push(seed.row({ action_type: 'CUSTOMER_DELETED' }));
    await seedActivity(t.services.core.db, during);

    const rest: string[] = [];
    let cursor = first.next_cursor;
    while (cursor) {
      const page = (await get(`${window}&limit=3&cursor=${cursor}`)).json();
      rest.push(...page.data.map((e: { id: string }) => e.id));
      cursor = page.next_cursor;
    }
    // No entry twice, none skipped: the remaining pages continue exactly where the first stopped.
    expect(rest).toEqual(
      before
        .slice(0, 4)
        .map((r) => r.id)
        .reverse(),
    );
    expect((await all(window)).map((e) => e.id)).toEqual([...before, ...during].map((r) => r.id).reverse());
  });
});
