import { sql, type Compilable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { idBoundary } from '../../src/logging/log-entry.js';
import { storedValue } from '../../src/logging/request-log-columns.js';
import {
  createRequestLogRepository,
  type ApiCallSearch,
  type BlockedSearch,
} from '../../src/logging/request-log.repository.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import {
  requestLogSeeder,
  seedRequestLogs,
  type ApiCallFacts,
  type BlockedFacts,
} from '../helpers/request-log-seed.js';

const ROWS = 20_000;
const RARE_KEY = 'RARE-RARE-RARE-RARE';
const BUSY_KEY = 'BUSY-BUSY-BUSY-BUSY';
const ENDPOINTS = ['/api/v1/licenses/validate', '/api/v1/licenses/activate', '/api/v1/licenses/status'];
const day = (date: string, end: boolean) => storedValue.entryId(idBoundary('log', new Date(date), end));
/** A search as the plan tests state it: the route pattern as text (its dictionary code is looked up). */
type PlanSearch = Omit<Partial<ApiCallSearch>, 'endpoint'> & { endpoint?: string };
const TIME_RANGE = { fromId: day('2025-01-01T02:00:00Z', false), toId: day('2025-01-01T04:00:00Z', true) };

/**
 * Every request-log filter is answered from its index in id order, or, for the filters that have none,
 * from the primary key's time range in id order: the plan is checked, so a change to the query or the
 * migration cannot silently fall back to scanning the whole log or sorting what matched.
 */
describe.each(DIALECTS)('request-log search query plans on %s', (dialect) => {
  let t: TestContext;
  let hash: (key: string) => Buffer;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    hash = t.services.requestLogs.hashLicenseKey;
    const seed = requestLogSeeder('2025-01-01T00:00:00.000Z');
    const calls: ApiCallFacts[] = [];
    const blocked: BlockedFacts[] = [];
    for (let i = 0; i < ROWS; i++) {
      seed.clock.advance(1000);
      // Mostly successful calls with many keys, one key in ten calls; one in 20 fails; one in 2,000 carries
      // the rare values a support search looks for (one licence's key, one address, a server error).
      const rare = i % 2000 === 999;
      const failed = rare || i % 20 === 0;
      calls.push(
        seed.apiCall({
          endpoint: rare ? '/api/v1/licenses/deactivate' : ENDPOINTS[i % 3]!,
          status: failed ? (rare ? 500 : 403) : 200,
          error_code: failed ? (rare ? 'ERR_INTERNAL' : 'ERR_LICENSE_EXPIRED') : null,
          license_key: rare ? RARE_KEY : i % 10 === 1 ? BUSY_KEY : `KEY${i % 500}-AAAA-BBBB-CCCC`,
          ip: rare ? `192.0.2.${i % 256}` : `10.0.${(i >> 8) & 255}.${i & 255}`,
        }),
      );
      if (i % 4 === 0) {
        blocked.push(
          seed.blocked({
            block_reason: rare ? 'SQL_INJECTION_ATTEMPT' : 'RATE_LIMIT_EXCEEDED',
            rule_id: rare ? 'crs-942-100' : 'rate:ip',
            ip: rare ? '192.0.2.1' : `10.1.${(i >> 8) & 255}.${i & 255}`,
          }),
        );
      }
    }
    await seedRequestLogs(t, calls, blocked);
    if (dialect === 'postgres') {
      await sql`analyze api_call_log`.execute(t.services.core.db);
      await sql`analyze blocked_log`.execute(t.services.core.db);
    }
  }, 120_000);
  afterAll(() => t.close());

  async function plan(query: Compilable): Promise<string> {
    const compiled = query.compile();
    const prefix = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
    const result = await t.services.core.db.executeQuery({
      ...compiled,
      sql: prefix + compiled.sql,
    } as typeof compiled);
    return (result.rows as Record<string, unknown>[])
      .map((row) => String(row.detail ?? row['QUERY PLAN']))
      .join('\n');
  }

  const repository = () => createRequestLogRepository(t.services.core.db);
  const apiCalls = async ({ endpoint, ...search }: PlanSearch, key?: string) => {
    const stored: Partial<ApiCallSearch> = search;
    if (endpoint !== undefined) {
      stored.endpoint = await storedValue.endpoint(t.services.core.db, endpoint);
      expect(stored.endpoint).toEqual(expect.any(Number));
    }
    return plan(
      repository().apiCallsQuery({ limit: 50, ...stored }, key === undefined ? undefined : hash(key)),
    );
  };
  const blockedPlan = (search: Partial<BlockedSearch>) =>
    plan(repository().blockedQuery({ limit: 50, ...search }));

  const FULL_SCAN = /Seq Scan on (api_call_log|blocked_log)|SCAN (api_call_log|blocked_log)\b(?! USING)/;
  const SORT = /TEMP B-TREE|Sort\b/;

  // A rare value is found through its index; PostgreSQL may then sort the few rows it found.
  it.each<[string, PlanSearch, string | undefined, string]>([
    ['a licence key', {}, RARE_KEY, 'api_call_log_license_id'],
    [
      'a status class of failures',
      { failedOnly: true, status: { low: 500, high: 599 } },
      undefined,
      'api_call_log_failed',
    ],
    [
      'failures of an endpoint in a time range',
      { failedOnly: true, endpoint: '/api/v1/licenses/deactivate', ...TIME_RANGE },
      undefined,
      'api_call_log_failed_endpoint_id',
    ],
    [
      'an error code',
      { failedOnly: true, error_code: 'ERR_INTERNAL' },
      undefined,
      'api_call_log_failed_error_id',
    ],
    [
      'failures from an address',
      { failedOnly: true, ip: storedValue.ip('192.0.2.231') },
      undefined,
      'api_call_log_failed_ip_id',
    ],
    [
      'failures from an address range',
      { failedOnly: true, ip: storedValue.ip('192.0.2.0/24') },
      undefined,
      'api_call_log_failed_ip_id',
    ],
  ])('a rare %s is found through its index', async (_name, search, key, index) => {
    const text = await apiCalls(search, key);
    expect(text).toContain(index);
    expect(text).not.toMatch(FULL_SCAN);
  });

  // A busy value is read newest first and the read stops after one page: never a sort of all it matches.
  it.each<[string, PlanSearch, string | undefined, string]>([
    ['a licence key', {}, BUSY_KEY, 'api_call_log_license_id'],
    [
      'a licence key on a later page',
      { before: day('2025-01-01T05:00:00Z', false) },
      BUSY_KEY,
      'api_call_log_license_id',
    ],
    ['failures', { failedOnly: true }, undefined, 'api_call_log_failed_id'],
    ['failures in a time range', { failedOnly: true, ...TIME_RANGE }, undefined, 'api_call_log_failed_id'],
    [
      'failures of an endpoint in a time range',
      { failedOnly: true, endpoint: ENDPOINTS[0], ...TIME_RANGE },
      undefined,
      'api_call_log_failed_endpoint_id',
    ],
    [
      'an error code',
      { failedOnly: true, error_code: 'ERR_LICENSE_EXPIRED' },
      undefined,
      'api_call_log_failed_error_id',
    ],
  ])('a busy %s is read in id order', async (_name, search, key, index) => {
    const text = await apiCalls(search, key);
    // PostgreSQL may rather walk the time index (all entries, or the failures) and keep the matches.
    const inIdOrder = dialect === 'sqlite' ? index : `${index}|api_call_log_pkey|api_call_log_failed_id`;
    expect(text).toMatch(new RegExp(inIdOrder));
    expect(text).not.toMatch(FULL_SCAN);
    expect(text).not.toMatch(SORT);
  });

  it("a customer's keys read each key's index range, a page at most each", async () => {
    const query = repository().apiCallsOfKeysQuery({ limit: 50 }, [
      hash(RARE_KEY),
      hash('KEY1-AAAA-BBBB-CCCC'),
    ]);
    const text = await plan(query);
    expect(text.match(/api_call_log_license_id/g)?.length).toBe(2);
    expect(text).not.toMatch(FULL_SCAN);
  });

  // Filters without an index of their own are common values (a method, a channel, the SDK's API key) or
  // need no more than the time range: they read the primary key newest first and stop after one page.
  it.each<[string, PlanSearch]>([
    ['a time range', TIME_RANGE],
    ['a method in a time range', { method: 1, ...TIME_RANGE }],
    ['an endpoint, any outcome', { endpoint: ENDPOINTS[0]!, ...TIME_RANGE }],
    ['an address, any outcome', { ip: storedValue.ip('10.0.0.0/16'), ...TIME_RANGE }],
    ['free text (route pattern, path, user agent, error)', { text: 'deactivate', ...TIME_RANGE }],
    [
      'an API key, a product and a channel',
      {
        api_key_id: storedValue.apiKeyId('key_01jxaaaaaaaaaaaaaaaaaaaaaa'),
        product_id: storedValue.productId('prd_01jxaaaaaaaaaaaaaaaaaaaaaa'),
        channel: 0,
        ...TIME_RANGE,
      },
    ],
  ])('%s reads the primary key in id order', async (_name, search) => {
    const text = await apiCalls(search);
    expect(text).toMatch(dialect === 'sqlite' ? /api_call_log USING PRIMARY KEY/ : /api_call_log_pkey/);
    expect(text).not.toMatch(SORT);
  });

  it.each<[string, Partial<BlockedSearch>, string, boolean]>([
    ['a rare block reason', { block_reason: 'SQL_INJECTION_ATTEMPT' }, 'blocked_log_reason_id', true],
    ['a rare rule', { rule_id: 'crs-942-100' }, 'blocked_log_rule_id', true],
    ['an address', { ip: storedValue.ip('192.0.2.1') }, 'blocked_log_ip_id', true],
    // The addresses of a range come out of the index in address order: what matched is sorted.
    ['an address range', { ip: storedValue.ip('192.0.2.0/24') }, 'blocked_log_ip_id', false],
  ])('blocked requests by %s use its index', async (_name, search, index, inIdOrder) => {
    const text = await blockedPlan(search);
    expect(text).toContain(index);
    expect(text).not.toMatch(FULL_SCAN);
    if (inIdOrder) expect(text).not.toMatch(SORT);
  });

  it('blocked requests by country, score or method read the primary key in id order', async () => {
    const text = await blockedPlan({ country_code: 'US', min_threat_score: 50, method: 1, ...TIME_RANGE });
    expect(text).toMatch(dialect === 'sqlite' ? /blocked_log USING PRIMARY KEY/ : /blocked_log_pkey/);
    expect(text).not.toMatch(SORT);
  });
});
