import { Migrator, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle, type Db } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrationProvider } from '../../src/db/migrations/index.js';
import { createLogQueryService } from '../../src/logging/log-query.service.js';
import { idBoundary, timestampOfId } from '../../src/logging/log-entry.js';
import { createRequestLogRepository, type ApiCallInsert } from '../../src/logging/request-log.repository.js';
import { idFromBytes, idToBytes } from '../../src/logging/request-log.codec.js';
import { createTestDatabase, DIALECTS } from '../helpers/database.js';
import { noLicences } from '../helpers/request-log-seed.js';

/** The table as migration 0003 left it: the current schema types describe the new one. */
type OldRow = Record<string, unknown>;
const asOldSchema = (db: Db) => db as unknown as Kysely<{ api_call_log: OldRow }>;

const KEY_ID = 'key_01jh8v7w9x0y1z2a3b4c5d6e7f';

/** API-call rows as migration 0003 stored them: every value in its shown form. */
function oldRow(n: number, values: Record<string, unknown>): Record<string, unknown> {
  return {
    id: idToBytes(idBoundary('log', new Date(Date.UTC(2026, 0, 1, 0, 0, n)), false)),
    endpoint: '/api/v1/licenses/validate',
    path: null,
    method: 2,
    status: 200,
    response_time_us: 1500 + n,
    ip: '203.0.113.7',
    api_key: null,
    api_key_id: KEY_ID,
    request_size: 62,
    response_size: 180,
    user_agent: 'KeyManager-SDK/2.1.0 Python/3.11',
    license_key: 'XXXX-XXXX-XXXX-7K2M',
    license_key_hash: Buffer.alloc(16, n),
    license_id: 'lic_01jh8v7w9x0y1z2a3b4c5d6e7f',
    customer_id: 'cus_01jh8v7w9x0y1z2a3b4c5d6e7g',
    product_id: 'prd_01jh8v7w9x0y1z2a3b4c5d6e7h',
    channel: 0,
    direction: 0,
    error_code: null,
    error_message: null,
    stack_trace: null,
    validation_errors: null,
    retry_count: null,
    request_body: null,
    request_body_truncated: null,
    ...values,
  };
}

// Every shape a value can have, the unusual ones included: they have no compact form and must come
// back unchanged all the same.
const OLD_ROWS = [
  oldRow(1, {}),
  oldRow(2, { ip: '2001:db8::7', user_agent: 'curl/8.5.0', license_key: 'XXXXXXXXXXXX9Q1Z' }),
  oldRow(3, {
    endpoint: '/api/v1/licenses/:id',
    path: '/api/v1/licenses/lic_x?expand=XXXX-XXXX-XXXX-AB12',
    method: 1,
    status: 422,
    ip: '::ffff:198.51.100.4',
    api_key: 'km_live_abc...xyz',
    api_key_id: null,
    license_key: 'XXXX-XXXX-XXXX-~abc',
    license_key_hash: null,
    license_id: 'lic_IMPORTED-000001',
    customer_id: 'cus_0123456789abcd',
    product_id: null,
    error_code: 'ERR_VALIDATION',
    error_message: 'body/license_key is required',
    validation_errors: JSON.stringify([{ field: 'license_key', message: 'is required' }]),
    retry_count: 2,
    request_body: '{"license_key":"XXXX"}',
    request_body_truncated: 0,
  }),
  oldRow(4, {
    endpoint: null,
    path: '/api/v1/nowhere',
    status: 404,
    ip: null,
    api_key_id: null,
    user_agent: null,
    license_key: null,
    license_id: null,
    customer_id: null,
    product_id: null,
    channel: 1,
  }),
  oldRow(5, { ip: 'unknown', license_key: 'XXX', user_agent: 'x'.repeat(512) }),
];

async function migrateTo(handle: DatabaseHandle, schema: string | undefined, target: string) {
  // Pinned to the test's schema, as migrateToLatest does (other schemas hold their own bookkeeping).
  const migrator = new Migrator({
    db: handle.db,
    provider: migrationProvider,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const { error } = await migrator.migrateTo(target);
  if (error) throw error;
}

describe.each(DIALECTS)('request-log migration 0006 on %s', (dialect) => {
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  let schema: string | undefined;
  let before: { apiCalls: unknown; failed: unknown };

  const readLogs = async () => {
    const logs = createLogQueryService(createRequestLogRepository(handle.db), noLicences(handle.db));
    return {
      apiCalls: (await logs.apiCalls({ limit: 100 })).data,
      failed: (await logs.failedApiCalls({ limit: 100 })).data,
    };
  };

  beforeAll(async () => {
    const created = await createTestDatabase(dialect);
    drop = created.drop;
    handle = openDatabase(created.database);
    schema = created.database.kind === 'postgres' ? created.database.schema : undefined;
    await migrateTo(handle, schema, '0005-activity-log-search');
    await handle.db
      .insertInto('api_keys')
      .values({
        id: KEY_ID,
        name: 'sdk',
        scope: 'licenses',
        role: null,
        environment: 'live',
        key_hash: 'h',
        masked: 'km_live_k3y...9zz',
        created_by: null,
        created_at: '2026-01-01T00:00:00.000Z',
        expires_at: null,
        revoked_at: null,
        last_used_at: null,
      })
      .execute();
    await asOldSchema(handle.db).insertInto('api_call_log').values(OLD_ROWS).execute();
    // What the read side showed before: the old rows held every value as shown.
    before = {
      apiCalls: OLD_ROWS.toReversed().map((row) => shown(row)),
      failed: OLD_ROWS.toReversed()
        .filter((row) => (row.status as number) >= 400)
        .map((row) => shown(row, true)),
    };
    await migrateToLatest(handle.db);
  });
  afterAll(async () => {
    await handle?.destroy();
    await drop?.();
  });

  it('reads every row written before it back exactly as before', async () => {
    expect(await readLogs()).toEqual(before);
  });

  it('stores them compactly, and new rows share the dictionary codes of converted ones', async () => {
    const stored = await handle.db.selectFrom('api_call_log').selectAll().orderBy('id').execute();
    expect(stored[0]).toMatchObject({ license_key: '7K2M', endpoint_id: expect.any(Number) });
    expect(Buffer.from(stored[0]!.api_key_id!)).toHaveLength(16);
    expect(Buffer.from(stored[0]!.ip!)).toEqual(Buffer.from([203, 0, 113, 7]));
    expect(await handle.db.selectFrom('log_endpoints').select('value').orderBy('id').execute()).toEqual([
      { value: '/api/v1/licenses/validate' },
      { value: '/api/v1/licenses/:id' },
    ]);

    const id = idBoundary('log', new Date(Date.UTC(2026, 0, 2)), false);
    const { license_key_hash: _hash, ...fields } = OLD_ROWS[0]!;
    const entry = { ...fields, id, license_key_hash: null } as unknown as ApiCallInsert;
    await createRequestLogRepository(handle.db).insertBatch([entry], []);
    const newest = await handle.db
      .selectFrom('api_call_log')
      .select(['endpoint_id', 'user_agent_id'])
      .where('id', '=', idToBytes(id))
      .executeTakeFirstOrThrow();
    expect(newest).toEqual({ endpoint_id: stored[0]!.endpoint_id, user_agent_id: stored[0]!.user_agent_id });
    const logs = createLogQueryService(createRequestLogRepository(handle.db), noLicences(handle.db));
    const [shownEntry] = (await logs.apiCalls({ limit: 1 })).data;
    expect(shownEntry).toEqual({
      ...(before.apiCalls as object[])[4],
      id,
      timestamp: '2026-01-02T00:00:00.000Z',
    });
    await handle.db.deleteFrom('api_call_log').where('id', '=', idToBytes(id)).execute();
  });

  it('converts the rows back unchanged when undone', async () => {
    await migrateTo(handle, schema, '0005-activity-log-search');
    const rows = await asOldSchema(handle.db).selectFrom('api_call_log').selectAll().orderBy('id').execute();
    expect(rows.map((row: Record<string, unknown>) => normalised(row))).toEqual(OLD_ROWS.map(normalised));
    await migrateToLatest(handle.db);
    expect(await readLogs()).toEqual(before);
  });
});

/** Byte columns come back as Buffer (pg) or Uint8Array (better-sqlite3): compared as hex. */
function normalised(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(row).map(([k, v]) => [k, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v]),
  );
}

/** An old row as the contract's entry (the read side's mapping, unchanged by the migration). */
function shown(row: Record<string, unknown>, failed = false): Record<string, unknown> {
  const id = idFromBytes('log', row.id as Buffer);
  const entry: Record<string, unknown> = {
    id,
    timestamp: timestampOfId(id),
    endpoint: row.endpoint,
    path: row.path ?? row.endpoint ?? '',
    method: ['OTHER', 'GET', 'POST'][row.method as number],
    status: row.status,
    response_time_ms: (row.response_time_us as number) / 1000,
    ip: row.ip,
    api_key: row.api_key ?? (row.api_key_id ? 'km_live_k3y...9zz' : null),
    api_key_id: row.api_key_id,
    request_size: row.request_size,
    response_size: row.response_size,
    user_agent: row.user_agent,
    license_key: row.license_key,
    license_id: row.license_id,
    customer_id: row.customer_id,
    product_id: row.product_id,
    channel: ['api', 'portal'][row.channel as number],
    direction: 'incoming',
  };
  if (failed) {
    Object.assign(entry, {
      error_code: row.error_code,
      error_message: row.error_message,
      stack_trace: row.stack_trace,
      validation_errors: row.validation_errors ? JSON.parse(row.validation_errors as string) : null,
      retry_count: row.retry_count,
      request_body: row.request_body,
      request_body_truncated: row.request_body_truncated === null ? null : row.request_body_truncated === 1,
    });
  }
  return entry;
}
