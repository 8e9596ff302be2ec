import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle, type Dialect } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { createLogIdGenerator } from '../../src/logging/log-entry.js';
import {
  createRequestLogRepository,
  type ApiCallInsert,
  type RequestLogRepository,
} from '../../src/logging/request-log.repository.js';
import { createTestDatabase, DIALECTS } from '../helpers/database.js';

const nextId = createLogIdGenerator({ now: () => new Date() });

function entry(userAgent: string, endpoint = '/api/v1/licenses/validate'): ApiCallInsert {
  return {
    id: nextId(),
    endpoint,
    path: null,
    method: 2,
    status: 200,
    response_time_us: 800,
    ip: '203.0.113.9',
    api_key: null,
    api_key_id: null,
    request_size: 10,
    response_size: 20,
    user_agent: userAgent,
    license_key: null,
    license_key_hash: null,
    license_id: null,
    customer_id: null,
    product_id: null,
    channel: 0,
    direction: 0,
    error_code: null,
    error_message: null,
    stack_trace: null,
    validation_errors: null,
    retry_count: null,
    request_body: null,
    request_body_truncated: null,
  };
}

async function shownUserAgents(repository: RequestLogRepository): Promise<(string | null)[]> {
  const rows = await repository.searchApiCalls({ limit: 100 });
  return rows.reverse().map((row) => row.user_agent);
}

const handles: DatabaseHandle[] = [];
let drop: (() => Promise<void>) | undefined;
afterEach(async () => {
  for (const handle of handles.splice(0)) await handle.destroy();
  await drop?.();
  drop = undefined;
});

/** `count` connections (pools) to one new database, as `count` server processes would hold. */
async function open(dialect: Dialect, count: number): Promise<DatabaseHandle[]> {
  const created = await createTestDatabase(dialect);
  drop = created.drop;
  for (let i = 0; i < count; i++) handles.push(openDatabase(created.database));
  await migrateToLatest(handles[0]!.db);
  return handles;
}

describe.each(DIALECTS)('request-log dictionaries on %s', (dialect) => {
  it('never reuses the code of a value whose batch was refused', async () => {
    const [handle] = await open(dialect, 1);
    const writer = createRequestLogRepository(handle!.db);
    const other = createRequestLogRepository(handle!.db);
    await expect(
      handle!.db.transaction().execute(async (tx) => {
        await writer.insertBatch([entry('refused-agent')], [], tx);
        throw new Error('the store refused the batch');
      }),
    ).rejects.toThrow('refused');
    // Another writer takes the code the refused batch had been given (SQLite reuses the rowid).
    await other.insertBatch([entry('other-agent')], []);
    await writer.insertBatch([entry('refused-agent')], []);
    expect(await shownUserAgents(writer)).toEqual(['other-agent', 'refused-agent']);
  });
});

// Several server processes may share one PostgreSQL database (SQLite has one per data directory).
describe('request-log dictionaries shared by processes on postgres', () => {
  it('gives every process the same code when several add the same new values at once', async () => {
    const [first, second] = await open('postgres', 2);
    const one = createRequestLogRepository(first!.db);
    const two = createRequestLogRepository(second!.db);
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = first!.db.transaction().execute(async (tx) => {
      await one.insertBatch([entry('agent-a', '/a'), entry('agent-b', '/b')], [], tx);
      await held;
    });
    await sleep(100);
    // Waits on the first transaction's uncommitted rows, in the same order, then reads their codes.
    const fast = second!.db
      .transaction()
      .execute((tx) => two.insertBatch([entry('agent-b', '/b'), entry('agent-a', '/a')], [], tx));
    await sleep(200);
    release();
    await Promise.all([slow, fast]);
    await one.insertBatch([entry('agent-b', '/b')], []);
    expect(await shownUserAgents(two)).toEqual(['agent-a', 'agent-b', 'agent-b', 'agent-a', 'agent-b']);
    const rows = await two.searchApiCalls({ limit: 100 });
    expect(rows.reverse().map((row) => row.endpoint)).toEqual(['/a', '/b', '/b', '/a', '/b']);
    const agents = await first!.db.selectFrom('log_user_agents').select('value').execute();
    expect(agents.map((row) => row.value).sort()).toEqual(['agent-a', 'agent-b']);
  });
});
