import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Migrator } from 'kysely';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, type Config } from '../../src/config/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrationProvider } from '../../src/db/migrations/index.js';
import { createActivityRepository } from '../../src/logging/activity.repository.js';
import { CHAINED_LOGS } from '../../src/logging/integrity/chain.js';
import { writeBatch } from '../../src/logging/log-batch.js';
import { createLogIdGenerator, timestampOfId } from '../../src/logging/log-entry.js';
import { createRequestLogRepository } from '../../src/logging/request-log.repository.js';
import { createServices } from '../../src/services.js';
import { systemClock } from '../../src/shared/clock.js';
import { createTestDatabase, DIALECTS } from '../helpers/database.js';
import { apiCallRecord, blockedRecord, checkChain, positions } from '../helpers/log-chain.js';

const nextId = createLogIdGenerator(systemClock);

/** A batch of journal lines: API calls (one in three failed) and a blocked request. */
function batch(size: number) {
  const records = Array.from({ length: size }, (_, i) => apiCallRecord(nextId(), i % 3 === 0 ? 500 : 200, i));
  records.push(blockedRecord(nextId()));
  return { lines: records.map((record) => JSON.stringify(record)), leftover: 0, end: {} as never };
}

async function activityEntry(handle: DatabaseHandle) {
  const id = nextId();
  await createActivityRepository(handle.db).insert({
    id,
    timestamp: timestampOfId(id),
    admin_user: 'owner@example.com',
    actor_type: 'admin',
    actor_id: null,
    channel: 'cli',
    action_type: 'PRODUCT_CREATED',
    resource_type: 'product',
    resource_id: null,
    resource: 'App',
    details: JSON.stringify({ name: 'App' }),
    result: 'success',
    error_code: null,
    ip: '198.51.100.7',
    session_id: null,
    user_agent: null,
  });
}

describe.each(DIALECTS)('sealing unchained entries on %s', (dialect) => {
  let database: Config['database'];
  let drop: () => Promise<void>;
  let dataDir: string;

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-seal-'));
    const created = await createTestDatabase(dialect);
    // A file, so that each start opens the same SQLite database.
    database =
      dialect === 'sqlite' ? { kind: 'sqlite', file: path.join(dataDir, 'keymanager.db') } : created.database;
    drop = created.drop;
  });
  afterEach(async () => {
    await drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(integrity: boolean) {
    const config = loadConfig({ KM_LOG_LEVEL: 'silent' });
    config.database = database;
    config.dataDir = dataDir;
    config.integrity.enabled = integrity;
    return createServices(config, { logger: pino({ level: 'silent' }) });
  }

  async function expectSealed(services: Awaited<ReturnType<typeof start>>) {
    const db = services.core.db;
    for (const log of CHAINED_LOGS) {
      const chain = await checkChain(db, log);
      expect(chain.seqs, log).toEqual(positions(chain.head.count));
      expect(chain.mismatches, log).toEqual([]);
      expect(chain.headMatches, log).toBe(true);
    }
    for (const table of ['api_call_log', 'blocked_log', 'activity_log'] as const) {
      const unchained = await db.selectFrom(table).select('id').where('chain_seq', 'is', null).execute();
      expect(unchained, table).toEqual([]);
    }
    expect(await db.selectFrom('log_chain_unsealed').selectAll().execute()).toEqual([]);
  }

  it("chains what a started server's writer stores (on SQLite, its thread over its own connection)", async () => {
    const services = await start(true);
    try {
      for (let i = 0; i < 40; i++) {
        services.requestLogs.pipeline.append(
          i % 8 === 7 ? blockedRecord(nextId(), i) : apiCallRecord(nextId(), i % 4 === 0 ? 404 : 200, i),
        );
      }
      await services.requestLogs.flush();
      await expectSealed(services);
      expect((await checkChain(services.core.db, 'failed_api_calls')).head.count).toBe(10);
      expect((await checkChain(services.core.db, 'blocked')).head.count).toBe(5);
    } finally {
      await services.close();
    }
  });

  it('chains entries stored before migration 0010 when a server with integrity on starts', async () => {
    const handle = openDatabase(database);
    try {
      const schema = database.kind === 'postgres' ? database.schema : undefined;
      const migrator = new Migrator({
        db: handle.db,
        provider: migrationProvider,
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      const { error } = await migrator.migrateTo('0009-log-chain-heads');
      if (error) throw error;
      await handle.db.transaction().execute(async (tx) => {
        const repository = createRequestLogRepository(handle.db);
        const { lines } = batch(30);
        const rows = lines.map((line) => JSON.parse(line));
        const calls = rows.filter((r) => r.log === 'api').map((r) => ({ ...r.row, license_key_hash: null }));
        const blocked = rows.filter((r) => r.log === 'blocked').map((r) => r.row);
        await repository.insertBatch(calls, blocked, tx);
      });
      await activityEntry(handle);
    } finally {
      await handle.destroy();
    }

    const services = await start(true);
    try {
      await expectSealed(services);
      const counts = Object.fromEntries(
        await Promise.all(
          CHAINED_LOGS.map(async (log) => [log, (await checkChain(services.core.db, log)).head.count]),
        ),
      );
      expect(counts).toEqual({ activity: 1, api_calls: 20, failed_api_calls: 10, blocked: 1 });
    } finally {
      await services.close();
    }
  });

  it('chains what a server with integrity off wrote after the chain it left, at the next start with it on', async () => {
    const first = await start(true);
    const target = (db: typeof first.core.db) => ({ db, repository: createRequestLogRepository(db) });
    try {
      await writeBatch(batch(9), { ...target(first.core.db), chainer: null });
    } finally {
      await first.close();
    }
    // Sealed by this start: the batch written without a chainer.
    const on = await start(true);
    let before: number;
    try {
      await expectSealed(on);
      before = (await checkChain(on.core.db, 'api_calls')).head.count;
      expect(before).toBe(6);
    } finally {
      await on.close();
    }
    const off = await start(false);
    try {
      await writeBatch(batch(9), { ...target(off.core.db), chainer: null });
      const marker = await off.core.db.selectFrom('log_chain_unsealed').select(['log', 'marks']).execute();
      expect(marker.map((row) => row.log).sort()).toEqual(['api_calls', 'blocked', 'failed_api_calls']);
      expect((await checkChain(off.core.db, 'api_calls')).head.count).toBe(before);
    } finally {
      await off.close();
    }
    const again = await start(true);
    try {
      await expectSealed(again);
      expect((await checkChain(again.core.db, 'api_calls')).head.count).toBe(before + 6);
    } finally {
      await again.close();
    }
  });
});
