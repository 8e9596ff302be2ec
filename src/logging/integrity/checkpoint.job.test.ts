import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DIALECTS, createTestDatabase } from '../../../test/helpers/database.js';
import type { Config } from '../../config/config.js';
import { openDatabase, type DatabaseHandle } from '../../db/database.js';
import { migrateToLatest } from '../../db/migrate.js';
import { manualClock } from '../../shared/clock.js';
import { CHAINED_LOGS, genesisHead } from './chain.js';
import { checkpointSignatureValid } from './checkpoint.js';
import { createCheckpointJob } from './checkpoint.job.js';
import { createCheckpointRepository } from './checkpoint.repository.js';
import { loadSigningKey } from './signing-key.js';
import { verifyCheckpointChain } from './verify-checkpoints.js';

const silent = { warn: () => {} };

describe.each(DIALECTS)('the checkpoint job on %s', (dialect) => {
  let dataDir: string;
  let handles: DatabaseHandle[];
  let drop: () => Promise<void>;
  const clock = manualClock('2026-03-01T10:00:00.000Z');

  beforeEach(async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-checkpoints-'));
    let database: Config['database'];
    if (dialect === 'sqlite') {
      // A file, so two handles stand for two processes sharing it.
      database = { kind: 'sqlite', file: path.join(dataDir, 'keymanager.db') };
      drop = async () => {};
    } else {
      ({ database, drop } = await createTestDatabase(dialect));
    }
    handles = [openDatabase(database), openDatabase(database)];
    await migrateToLatest(handles[0]!.db);
    clock.set('2026-03-01T10:00:00.000Z');
  });

  afterEach(async () => {
    for (const handle of handles) await handle.destroy();
    await drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  const jobOn = (handle: DatabaseHandle) =>
    createCheckpointJob({
      db: handle.db,
      checkpoints: createCheckpointRepository(handle.db),
      key: loadSigningKey({ dataDir, integrity: {} }),
      clock,
      logger: silent,
      intervalSeconds: 60,
    });

  it('signs a checkpoint of every log each interval, also when nothing was logged', async () => {
    const job = jobOn(handles[0]!);
    const key = loadSigningKey({ dataDir, integrity: {} });
    const first = await job.runOnce();
    expect(first.map((c) => c.log)).toEqual([...CHAINED_LOGS]);
    for (const checkpoint of first) {
      const genesis = genesisHead(checkpoint.log).toString('hex');
      expect(checkpoint).toMatchObject({
        number: 1,
        count: 0,
        head: genesis,
        retained_from: 1,
        retained_after: genesis,
        end: '2026-03-01T10:00:00.000Z',
        previous: null,
        key: key.id,
      });
      expect(checkpointSignatureValid(checkpoint, key.publicKey)).toBe(true);
    }
    // Later in the same interval: nothing new.
    clock.advance(30_000);
    expect(await job.runOnce()).toEqual([]);
    clock.advance(30_000);
    const second = await job.runOnce();
    expect(second.map((c) => [c.number, c.previous])).toEqual(first.map((c) => [2, c.signature]));

    const repository = createCheckpointRepository(handles[0]!.db);
    const stored = await repository.list({ log: 'blocked', limit: 10 });
    expect(stored).toEqual([second[3], first[3]]);
    const chain = verifyCheckpointChain({
      log: 'blocked',
      checkpoints: stored,
      publicKey: key.publicKey,
      intervalSeconds: 60,
      fromFirst: true,
    });
    expect(chain.problems).toEqual([]);
  });

  it('binds the chain head as the head row holds it when the checkpoint is taken', async () => {
    const job = jobOn(handles[0]!);
    const head = Buffer.alloc(32, 7);
    const after = Buffer.alloc(32, 9);
    await handles[0]!.db
      .updateTable('log_chain_heads')
      .set({ count: 42, head, retained_from: 10, retained_after: after })
      .where('log', '=', 'api_calls')
      .execute();
    const [, apiCalls] = await job.runOnce();
    expect(apiCalls).toMatchObject({
      log: 'api_calls',
      count: 42,
      head: head.toString('hex'),
      retained_from: 10,
      retained_after: after.toString('hex'),
    });
  });

  it('writes one checkpoint per log and interval when two processes run the job', async () => {
    const jobs = handles.map(jobOn);
    for (let interval = 0; interval < 3; interval++) {
      // Two SQLite connections in one process cannot wait for each other (each blocks the one thread
      // while it waits for the lock), so there the second process comes just after the first.
      const written =
        dialect === 'sqlite'
          ? [await jobs[0]!.runOnce(), await jobs[1]!.runOnce()]
          : await Promise.all(jobs.map((job) => job.runOnce()));
      expect(written.flat()).toHaveLength(CHAINED_LOGS.length);
      clock.advance(60_000);
    }
    const repository = createCheckpointRepository(handles[1]!.db);
    const key = loadSigningKey({ dataDir, integrity: {} });
    for (const log of CHAINED_LOGS) {
      const stored = await repository.list({ log, limit: 10 });
      expect(stored.map((c) => c.number)).toEqual([3, 2, 1]);
      const chain = verifyCheckpointChain({
        log,
        checkpoints: stored,
        publicKey: key.publicKey,
        intervalSeconds: 60,
        fromFirst: true,
      });
      expect(chain.problems).toEqual([]);
    }
  });

  it('stops without leaving a run behind', async () => {
    const job = jobOn(handles[0]!);
    job.start();
    await job.stop();
    const stored = await createCheckpointRepository(handles[0]!.db).list({ limit: 10 });
    expect(stored.length === 0 || stored.length === CHAINED_LOGS.length).toBe(true);
  });
});
