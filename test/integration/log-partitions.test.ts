import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrationProvider } from '../../src/db/migrations/index.js';
import { createRetentionService } from '../../src/logging/retention/retention.service.js';
import { createActivityQueryService } from '../../src/logging/activity-query.service.js';
import { createActivityRepository } from '../../src/logging/activity.repository.js';
import { createLogQueryService } from '../../src/logging/log-query.service.js';
import { createRequestLogRepository } from '../../src/logging/request-log.repository.js';
import { activitySeeder, seedActivity } from '../helpers/activity-seed.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/database.js';
import { noLicences, requestLogSeeder, seedRequestLogs, writerRows } from '../helpers/request-log-seed.js';
import { createDictionary } from '../../src/logging/log-dictionary.js';
import { storedApiCallRow } from '../../src/logging/request-log-rows.js';
import { idToBytes } from '../../src/logging/request-log.codec.js';

const LOG_TABLES = ['activity_log', 'api_call_log', 'blocked_log'] as const;

/** The partitions PostgreSQL lists for a table, by name. */
async function partitionsOf(db: Db, table: string): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = ${table}::regclass order by c.relname`.execute(db);
  return rows.map((row) => row.name);
}

async function tableExists(db: Db, name: string): Promise<boolean> {
  const { rows } = await sql`select 1 from pg_class where relname = ${name}
    and relnamespace = current_schema()::regnamespace`.execute(db);
  return rows.length > 0;
}

/** Which partition holds each row of a table, by id order. */
async function holders(db: Db, table: string): Promise<string[]> {
  const { rows } = await sql<{ partition: string }>`
    select tableoid::regclass::text as partition from ${sql.table(table)} order by id`.execute(db);
  return rows.map((row) => row.partition);
}

describe('migration 0012 on postgres, over a database with entries', () => {
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  const seed = requestLogSeeder('2026-01-10T08:00:00.000Z');
  const calls = [
    seed.apiCall({ ip: '203.0.113.7', status: 200 }),
    seed.apiCall({ ip: '203.0.113.8', status: 404, error_code: 'ERR_LICENSE_NOT_FOUND' }),
  ];
  seed.clock.set('2026-01-11T23:59:59.999Z');
  calls.push(seed.apiCall({ ip: '203.0.113.9', status: 500 }));
  const blocked = [seed.blocked({ ip: '203.0.113.7' })];
  const activity = activitySeeder('2026-01-10T09:00:00.000Z');
  const activityRows = [activity.row({ admin_user: 'early@example.test', ip: '192.0.2.4' })];

  beforeAll(async () => {
    const created = await createTestDatabase('postgres');
    drop = created.drop;
    handle = openDatabase(created.database);
    const schema = created.database.kind === 'postgres' ? created.database.schema : undefined;
    const migrator = new Migrator({
      db: handle.db,
      provider: migrationProvider,
      migrationTableSchema: schema,
    });
    const { error } = await migrator.migrateTo('0009-log-chain-heads');
    if (error) throw error;
    const { apiRows, blockedRows } = writerRows(() => Buffer.alloc(16), calls, blocked);
    const endpointIds: (number | null)[] = [];
    const userAgentIds: (number | null)[] = [];
    await createDictionary('log_endpoints').encode(
      handle.db,
      apiRows.map((row) => row.endpoint),
      endpointIds,
    );
    await createDictionary('log_user_agents').encode(
      handle.db,
      apiRows.map((row) => row.user_agent),
      userAgentIds,
    );
    await handle.db
      .insertInto('api_call_log')
      .values(apiRows.map((row, i) => storedApiCallRow(row, endpointIds[i]!, userAgentIds[i]!)))
      .execute();
    await handle.db
      .insertInto('blocked_log')
      .values(blockedRows.map((row) => ({ ...row, id: idToBytes(row.id), ip_bytes: null })))
      .execute();
    await seedActivity(handle.db, activityRows);
    await migrateToLatest(handle.db);
  });
  afterAll(async () => {
    await handle?.destroy();
    await drop?.();
  });

  it('partitions each log table by day: a partition per day with entries, and a default one', async () => {
    expect(await partitionsOf(handle.db, 'api_call_log')).toEqual([
      'api_call_log_default',
      'api_call_log_p20260110',
      'api_call_log_p20260111',
    ]);
    expect(await holders(handle.db, 'api_call_log')).toEqual([
      'api_call_log_p20260110',
      'api_call_log_p20260110',
      'api_call_log_p20260111',
    ]);
    expect(await holders(handle.db, 'blocked_log')).toEqual(['blocked_log_p20260111']);
    expect(await holders(handle.db, 'activity_log')).toEqual(['activity_log_p20260110']);
  });

  it('keeps every entry searchable through the indexes it had', async () => {
    const logs = createLogQueryService(createRequestLogRepository(handle.db), noLicences(handle.db));
    const ids = (page: { data: { id: string }[] }) => page.data.map((entry) => entry.id);
    expect(ids(await logs.apiCalls({ limit: 50, ip: '203.0.113.0/24' }))).toEqual(
      calls.map((c) => c.id).reverse(),
    );
    expect(ids(await logs.failedApiCalls({ limit: 50, error_code: 'ERR_LICENSE_NOT_FOUND' }))).toEqual([
      calls[1]!.id,
    ]);
    expect(ids(await logs.blocked({ limit: 50, block_reason: 'RATE_LIMIT_EXCEEDED' }))).toEqual([
      blocked[0]!.id,
    ]);
    const activityPage = await createActivityQueryService(createActivityRepository(handle.db)).list({
      limit: 50,
      admin: 'early@example.test',
    } as never);
    expect(activityPage.data.map((entry) => entry.id)).toEqual([activityRows[0]!.id]);
    // The search indexes of 0005 and 0007 exist on the partitioned tables, and on each partition under
    // their name and the partition's suffix.
    const { rows } = await sql<{ name: string }>`
      select indexname as name from pg_indexes where schemaname = current_schema()
      and indexname like ${'%_p20260110'}`.execute(handle.db);
    expect(rows.map((row) => row.name)).toEqual(
      expect.arrayContaining([
        'api_call_log_pkey_p20260110',
        'api_call_log_license_id_p20260110',
        'api_call_log_failed_ip_id_p20260110',
        'activity_log_admin_id_p20260110',
        'activity_log_ip_id_p20260110',
      ]),
    );
  });

  it('is undone and redone without losing an entry', async () => {
    const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(handle.db)).rows[0]!.s;
    const migrator = new Migrator({
      db: handle.db,
      provider: migrationProvider,
      migrationTableSchema: schema,
    });
    const { error } = await migrator.migrateTo('0009-log-chain-heads');
    if (error) throw error;
    expect(await partitionsOf(handle.db, 'api_call_log')).toEqual([]);
    expect(await holders(handle.db, 'api_call_log')).toHaveLength(3);
    await migrateToLatest(handle.db);
    expect(await holders(handle.db, 'api_call_log')).toHaveLength(3);
    expect(await partitionsOf(handle.db, 'blocked_log')).toEqual([
      'blocked_log_default',
      'blocked_log_p20260111',
    ]);
  });
});

describe('day partitions on postgres, kept by the retention job', () => {
  let t: TestContext;
  const db = () => t.services.core.db;
  const retention = () => t.services.retention.service;

  async function setRetention(days: Record<string, number>): Promise<void> {
    const response = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { retention_days: days },
    });
    expect(response.statusCode).toBe(200);
  }

  async function seedDay(at: string): Promise<void> {
    const seed = requestLogSeeder(at);
    await seedRequestLogs(
      t,
      [seed.apiCall({ status: 200 }), seed.apiCall({ status: 503 })],
      [seed.blocked()],
    );
    await seedActivity(db(), [activitySeeder(at).row()]);
  }

  beforeAll(async () => {
    t = await createTestApp('postgres');
    // The test's own requests are not logged: the rows are the seeded ones.
    const response = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { log_api_calls: false, log_failed_api_calls: false, log_dashboard_activities: false },
    });
    expect(response.statusCode).toBe(200);
  });
  afterAll(() => t.close());

  it('creates today and the next days ahead, moving entries already written into the default partition', async () => {
    t.clock.set('2026-02-01T10:00:00.000Z');
    await seedDay('2026-02-05T12:00:00.000Z');
    expect(await holders(db(), 'blocked_log')).toEqual(['blocked_log_default']);
    const created = await retention().prepareAhead();
    for (const table of LOG_TABLES) {
      for (const day of ['20260201', '20260202', '20260203', '20260204']) {
        expect(created).toContain(`${table}_p${day}`);
        expect(await tableExists(db(), `${table}_p${day}`)).toBe(true);
      }
    }
    t.clock.set('2026-02-02T10:00:00.000Z');
    expect(await retention().prepareAhead()).toEqual([
      'activity_log_p20260205',
      'api_call_log_p20260205',
      'blocked_log_p20260205',
    ]);
    expect(await holders(db(), 'blocked_log')).toEqual(['blocked_log_p20260205']);
    expect(await holders(db(), 'api_call_log')).toEqual(['api_call_log_p20260205', 'api_call_log_p20260205']);
    expect(await retention().prepareAhead()).toEqual([]);
  });

  it('drops a day only when every log it holds is past retention; the shared table loses rows instead', async () => {
    t.clock.set('2026-02-02T10:00:00.000Z');
    await seedDay('2026-02-02T08:00:00.000Z');
    t.clock.set('2026-02-04T00:00:00.000Z');
    // Successful calls are kept one day, failures 30: the API-call table keeps the day, minus its successes.
    await setRetention({ activity: 1, api_calls: 1, failed_api_calls: 30, blocked: 1 });
    const outcomes = await retention().prune();
    expect(outcomes.map(({ log, deleted, partitionsDropped }) => [log, deleted, partitionsDropped])).toEqual([
      // The day before went too: its partition, empty, was as expired.
      ['activity', 1, 2],
      ['api_calls', 1, 0],
      ['failed_api_calls', 0, 0],
      ['blocked', 1, 2],
    ]);
    expect(await tableExists(db(), 'activity_log_p20260202')).toBe(false);
    expect(await tableExists(db(), 'blocked_log_p20260202')).toBe(false);
    expect(await tableExists(db(), 'api_call_log_p20260202')).toBe(true);
    const { rows } = await sql<{ status: number }>`
      select status from api_call_log_p20260202`.execute(db());
    expect(rows).toEqual([{ status: 503 }]);

    await setRetention({ failed_api_calls: 1 });
    const second = await retention().prune();
    expect(second.find((o) => o.log === 'failed_api_calls')).toMatchObject({
      deleted: 1,
      partitionsDropped: 2,
    });
    expect(await tableExists(db(), 'api_call_log_p20260202')).toBe(false);
    // Partitions that held nothing expired go too; the kept days stay.
    expect(await tableExists(db(), 'api_call_log_p20260201')).toBe(false);
    expect(await tableExists(db(), 'api_call_log_p20260203')).toBe(true);
    expect(await holders(db(), 'api_call_log')).toEqual(['api_call_log_p20260205', 'api_call_log_p20260205']);
  });

  it('a dry run drops no partition', async () => {
    t.clock.set('2026-02-20T00:00:00.000Z');
    const outcomes = await retention().prune({ dryRun: true });
    expect(outcomes.find((o) => o.log === 'blocked')).toMatchObject({ deleted: 1, partitionsDropped: 0 });
    expect(await tableExists(db(), 'blocked_log_p20260205')).toBe(true);
  });

  it('two processes preparing and pruning at once both succeed, each change made once', async () => {
    const other = createRetentionService({
      db: db(),
      dialect: 'postgres',
      clock: t.clock,
      logger: t.services.core.logger,
      settings: t.services.loggingSettings,
      activity: t.services.activity,
    });
    t.clock.set('2026-03-01T00:00:00.000Z');
    const created = (await Promise.all([retention().prepareAhead(), other.prepareAhead()])).flat();
    expect(created).toHaveLength(12);
    expect(new Set(created).size).toBe(12);
    await seedDay('2026-03-01T06:00:00.000Z');
    t.clock.set('2026-03-05T00:00:00.000Z');
    await setRetention({ activity: 1, api_calls: 1, failed_api_calls: 1, blocked: 1 });
    const [a, b] = await Promise.all([retention().prune(), other.prune()]);
    const blockedDeleted =
      a.find((o) => o.log === 'blocked')!.deleted + b.find((o) => o.log === 'blocked')!.deleted;
    // The day seeded on 5 February and the one of 1 March, each counted by one process only.
    expect(blockedDeleted).toBe(2);
    expect(await tableExists(db(), 'blocked_log_p20260301')).toBe(false);
  });
});
