import { Migrator, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrationProvider } from '../../src/db/migrations/index.js';
import { createDictionary } from '../../src/logging/log-dictionary.js';
import { createLogQueryService, type LogQueryService } from '../../src/logging/log-query.service.js';
import { idToBytes } from '../../src/logging/request-log.codec.js';
import { storedApiCallRow } from '../../src/logging/request-log-rows.js';
import { createRequestLogRepository } from '../../src/logging/request-log.repository.js';
import { createTestDatabase, DIALECTS } from '../helpers/database.js';
import { noLicences, requestLogSeeder, writerRows } from '../helpers/request-log-seed.js';

/** blocked_log as migrations 0003–0006 left it: no address bytes yet. */
const asOldSchema = (db: Db) => db as unknown as Kysely<{ blocked_log: Record<string, unknown> }>;

async function migrateTo(handle: DatabaseHandle, schema: string | undefined, target: string) {
  const migrator = new Migrator({
    db: handle.db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error } = await migrator.migrateTo(target);
  if (error) throw error;
}

/** Entries logged before migration 0007 are found by its filters once it has run. */
describe.each(DIALECTS)('request-log search migration 0007 on %s', (dialect) => {
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  let schema: string | undefined;
  let logs: LogQueryService;
  const seed = requestLogSeeder('2026-01-01T00:00:00.000Z');
  const at = <T>(make: () => T) => {
    seed.clock.advance(1000);
    return make();
  };
  const calls = [
    at(() => seed.apiCall({ ip: '203.0.113.7', endpoint: '/api/v1/licenses/activate' })),
    at(() => seed.apiCall({ ip: 'cb00:7100::1', status: 404, error_code: 'ERR_LICENSE_NOT_FOUND' })),
    at(() => seed.apiCall({ ip: '203.0.113.9', status: 500, user_agent: 'Legacy-Client/0.9' })),
  ];
  const blocked = [
    at(() => seed.blocked({ ip: '203.0.113.7' })),
    at(() => seed.blocked({ ip: 'cb00:7100::1' })),
    at(() => seed.blocked({ ip: 'unknown' })),
  ];
  const ids = (page: { data: { id: string }[] }) => page.data.map((entry) => entry.id);

  beforeAll(async () => {
    const created = await createTestDatabase(dialect);
    drop = created.drop;
    handle = openDatabase(created.database);
    schema = created.database.kind === 'postgres' ? created.database.schema : undefined;
    await migrateTo(handle, schema, '0006-compact-request-logs');
    const { apiRows, blockedRows } = writerRows(() => Buffer.alloc(16), calls, blocked);
    // Stored as the writer of that time stored them: the analytics' late-entry marks came with 0008.
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
    await asOldSchema(handle.db)
      .insertInto('blocked_log')
      .values(blockedRows.map((row) => ({ ...row, id: idToBytes(row.id) })))
      .execute();
    await migrateToLatest(handle.db);
    logs = createLogQueryService(createRequestLogRepository(handle.db), noLicences(handle.db));
  });
  afterAll(async () => {
    await handle?.destroy();
    await drop?.();
  });

  it('finds earlier API calls by address, endpoint and text', async () => {
    expect(ids(await logs.apiCalls({ limit: 50, ip: '203.0.113.0/24' }))).toEqual([
      calls[2]!.id,
      calls[0]!.id,
    ]);
    expect(ids(await logs.failedApiCalls({ limit: 50, ip: 'cb00:7100::/32' }))).toEqual([calls[1]!.id]);
    expect(ids(await logs.apiCalls({ limit: 50, endpoint: '/api/v1/licenses/activate' }))).toEqual([
      calls[0]!.id,
    ]);
    expect(ids(await logs.failedApiCalls({ limit: 50, q: 'legacy-client' }))).toEqual([calls[2]!.id]);
  });

  it('gives earlier blocked requests their address bytes', async () => {
    expect(ids(await logs.blocked({ limit: 50, ip: '203.0.113.7' }))).toEqual([blocked[0]!.id]);
    expect(ids(await logs.blocked({ limit: 50, ip: '203.0.113.0/24' }))).toEqual([blocked[0]!.id]);
    expect(ids(await logs.blocked({ limit: 50, ip: 'cb00:7100::/32' }))).toEqual([blocked[1]!.id]);
    const page = await logs.blocked({ limit: 50 });
    expect(page.data.map((entry) => entry.ip)).toEqual(['unknown', 'cb00:7100::1', '203.0.113.7']);
  });

  it('is undone and redone without losing an entry', async () => {
    await migrateTo(handle, schema, '0006-compact-request-logs');
    const rows = await asOldSchema(handle.db).selectFrom('blocked_log').selectAll().execute();
    expect(rows).toHaveLength(3);
    expect(rows.every((row) => !('ip_bytes' in row))).toBe(true);
    await migrateToLatest(handle.db);
    expect(ids(await logs.blocked({ limit: 50, ip: '203.0.113.0/24' }))).toEqual([blocked[0]!.id]);
    expect(ids(await logs.apiCalls({ limit: 50 }))).toEqual(calls.map((call) => call.id).reverse());
  });
});
