import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ActivitySearch } from '../../src/logging/activity.repository.js';
import { ipFilterRange } from '../../src/logging/ip-filter.js';
import { idBoundary } from '../../src/logging/log-entry.js';
import { activitySeeder, seedActivity, type SeedRow } from '../helpers/activity-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';

const ROWS = 20_000;
const RARE_ACTOR = `adm_${'r'.padStart(26, '0')}`;
const ACTIONS = ['LICENSE_CREATED', 'LICENSE_UPDATED', 'PRODUCT_CREATED', 'CUSTOMER_UPDATED', 'ADMIN_LOGIN'];

/**
 * Every activity filter is answered from its own index, in id order: the plan is checked, so a change
 * to the query or the migration cannot silently fall back to scanning and sorting the whole log.
 */
describe.each(DIALECTS)('activity search query plans on %s', (dialect) => {
  let t: TestContext;

  beforeAll(async () => {
    t = await createTestApp(dialect);
    const seed = activitySeeder('2025-01-01T00:00:00.000Z');
    const rows: SeedRow[] = [];
    for (let i = 0; i < ROWS; i++) {
      seed.clock.advance(1000);
      // Mostly common values; one entry in 2,000 carries the rare values the searches look for, as a
      // support engineer's search usually does (one customer's licence, one address, the failures).
      const rare = i % 2000 === 999;
      rows.push(
        seed.row({
          admin_user: rare ? 'rare@example.test' : `admin${i % 4}@example.test`,
          actor_id: rare ? RARE_ACTOR : `adm_${String(i % 4).padStart(26, '0')}`,
          action_type: rare ? 'ADMIN_DELETED' : ACTIONS[i % ACTIONS.length]!,
          resource_type: rare ? 'admin' : 'license',
          resource_id: rare ? 'lic_rare' : `lic_${i % 20}`,
          result: rare ? 'failure' : 'success',
          ip: rare ? `192.0.2.${i % 256}` : `10.0.${(i >> 8) & 255}.${i & 255}`,
        }),
      );
    }
    await seedActivity(t.services.core.db, rows);
    if (dialect === 'postgres') await sql`analyze activity_log`.execute(t.services.core.db);
  }, 120_000);
  afterAll(() => t.close());

  async function plan(search: Partial<ActivitySearch>): Promise<string> {
    const compiled = t.services.activity.repository.searchQuery({ limit: 50, ...search }).compile();
    const prefix = dialect === 'sqlite' ? 'explain query plan ' : 'explain ';
    const result = await t.services.core.db.executeQuery({
      ...compiled,
      sql: prefix + compiled.sql,
    } as typeof compiled);
    return (result.rows as Record<string, unknown>[])
      .map((row) => String(row.detail ?? row['QUERY PLAN']))
      .join('\n');
  }

  it.each<[string, Partial<ActivitySearch>, string]>([
    ['admin', { admin_user: 'rare@example.test' }, 'activity_log_admin_id'],
    ['actor id', { actor_id: RARE_ACTOR }, 'activity_log_actor_id'],
    ['action type', { action_type: 'ADMIN_DELETED' }, 'activity_log_action_id'],
    ['resource type', { resource_type: 'admin' }, 'activity_log_resource_type_id'],
    ['resource id', { resource_id: 'lic_rare' }, 'activity_log_resource_id'],
    ['result', { result: 'failure' }, 'activity_log_result_id'],
    ['ip range', { ip: ipFilterRange('192.0.2.0/24')! }, 'activity_log_ip_id'],
    ['exact ip', { ip: ipFilterRange('192.0.2.231')! }, 'activity_log_ip_id'],
    [
      'action type on a later page',
      { action_type: 'ADMIN_DELETED', before: 'log_01jk0000000000000000000000' },
      'activity_log_action_id',
    ],
  ])('%s uses its index', async (_name, search, index) => {
    const text = await plan(search);
    expect(text).toContain(index);
    expect(text).not.toMatch(/Seq Scan|SCAN activity_log\b(?! USING)/);
  });

  it('a time range with no other filter reads the primary key range', async () => {
    const text = await plan({
      fromId: idBoundary('log', new Date('2025-01-02T00:00:00Z'), false),
      toId: idBoundary('log', new Date('2025-01-03T00:00:00Z'), true),
    });
    expect(text).toMatch(
      dialect === 'sqlite' ? /sqlite_autoindex_activity_log_1 \(id>\? AND id<\?\)/ : /activity_log_pkey/,
    );
    expect(text).not.toMatch(/TEMP B-TREE|Sort\b/);
  });
});
