import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/database.js';
import { createActivityService, systemContext } from '../../src/logging/activity.service.js';
import { CHAINED_LOGS } from '../../src/logging/integrity/chain.js';
import { moveRetainedStart, readChainHead } from '../../src/logging/integrity/chain-reads.js';
import { sealAllUnchainedEntries } from '../../src/logging/integrity/chain-seal.js';
import { createRequestLogChainer } from '../../src/logging/integrity/request-log-chain.js';
import { writeBatch } from '../../src/logging/log-batch.js';
import { createLogIdGenerator } from '../../src/logging/log-entry.js';
import { createRequestLogRepository } from '../../src/logging/request-log.repository.js';
import { systemClock } from '../../src/shared/clock.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { apiCallRecord, blockedRecord, checkChain, positions } from '../helpers/log-chain.js';
import { licenseFixture, type LicenseFixture } from '../helpers/request-logs.js';

/** Traffic that reaches all four logs through the API: successes, failures, a blocked request. */
async function traffic(t: TestContext, f: LicenseFixture) {
  const validate = (payload: string) =>
    t.request({
      method: 'POST',
      url: '/api/v1/licenses/validate',
      key: f.apiKey,
      payload,
      headers: { 'content-type': 'application/json' },
    });
  for (let i = 0; i < 3; i++) {
    expect((await validate(JSON.stringify({ license_key: f.key }))).statusCode).toBe(200);
    expect((await validate('{}')).statusCode).toBeGreaterThanOrEqual(400);
  }
  expect((await validate('{"license_key":')).statusCode).toBe(400);
  // An admin action the validation refuses: its failure entry is written after the rollback.
  expect(
    (await t.request({ method: 'POST', url: '/api/v1/products', payload: { name: '' } })).statusCode,
  ).toBe(422);
  await t.services.requestLogs.flush();
}

const countRows = async (
  db: Db,
  table: 'activity_log' | 'api_call_log' | 'blocked_log',
  chained: boolean,
) => {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('chain_seq', chained ? 'is not' : 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
};

async function lines(records: ReturnType<typeof apiCallRecord>[]) {
  return { lines: records.map((record) => JSON.stringify(record)), leftover: 0, end: {} as never };
}

describe.each(DIALECTS)('log hash chains on %s', (dialect) => {
  describe('with integrity on', () => {
    let t: TestContext;
    let f: LicenseFixture;
    beforeEach(async () => {
      t = await createTestApp(dialect);
      f = await licenseFixture(t);
    });
    afterEach(async () => t.close());

    it('gives the entries of all four logs consecutive positions whose hashes recompute', async () => {
      await traffic(t, f);
      const db = t.services.core.db;
      for (const log of CHAINED_LOGS) {
        const chain = await checkChain(db, log);
        expect(chain.head.count, log).toBeGreaterThan(0);
        expect(chain.seqs, log).toEqual(positions(chain.head.count));
        expect(chain.mismatches, log).toEqual([]);
        expect(chain.headMatches, log).toBe(true);
      }
      expect(await countRows(db, 'api_call_log', false)).toBe(0);
      expect(await countRows(db, 'blocked_log', false)).toBe(0);
      expect(await countRows(db, 'activity_log', false)).toBe(0);
      // The chains hold exactly the entries the API shows, under the same ids.
      const shown = (
        await t.request({ method: 'GET', url: '/api/v1/logs/failed-api-calls?limit=200' })
      ).json().data;
      const failed = await checkChain(db, 'failed_api_calls');
      expect(failed.entries.map((e) => e.id).sort()).toEqual(shown.map((e: { id: string }) => e.id).sort());
    });

    it('chains an activity failure entry written after its action rolled back', async () => {
      await t.request({ method: 'POST', url: '/api/v1/products', payload: { name: '' } });
      const failure = await t.services.core.db
        .selectFrom('activity_log')
        .select(['id', 'chain_seq', 'result'])
        .where('result', '=', 'failure')
        .executeTakeFirstOrThrow();
      const chain = await checkChain(t.services.core.db, 'activity');
      expect(failure.chain_seq).toBe(chain.head.count);
      expect(chain.entries.at(-1)!.id).toBe(failure.id);
      expect(chain.mismatches).toEqual([]);
    });

    it('shows a row changed in SQL: its recomputed hash no longer matches', async () => {
      await traffic(t, f);
      const db = t.services.core.db;
      const victim = (await checkChain(db, 'api_calls')).entries[1]!;
      await sql`update api_call_log set response_time_us = response_time_us + 1
        where chain_seq = ${victim.seq} and status < 400`.execute(db);
      expect((await checkChain(db, 'api_calls')).mismatches).toEqual([victim.seq]);

      const action = (await checkChain(db, 'activity')).entries[0]!;
      await sql`update activity_log set resource = ${'forged'} where id = ${action.id}`.execute(db);
      expect((await checkChain(db, 'activity')).mismatches).toEqual([action.seq]);

      const blocked = (await checkChain(db, 'blocked')).entries[0]!;
      await sql`update blocked_log set user_agent = ${'curl/9.0'} where chain_seq = ${blocked.seq}`.execute(
        db,
      );
      expect((await checkChain(db, 'blocked')).mismatches).toEqual([blocked.seq]);
    });

    it('recomputes the hashes of entries whose text needs escaping in the canonical form', async () => {
      const db = t.services.core.db;
      const nextId = createLogIdGenerator(systemClock);
      const target = { db, repository: createRequestLogRepository(db), chainer: createRequestLogChainer() };
      const odd = apiCallRecord(nextId(), 404);
      Object.assign(odd.row, {
        path: '/api/v1/x?q="a\\b"',
        error_message: 'line\nbreak\t"quoted" \\ \u0001 é 😀 \u2028 end',
        request_body: '{"license_key":"K\u0007"}',
        retry_count: 2,
      });
      await writeBatch(await lines([odd, apiCallRecord(nextId(), 404, 1)]), target);
      const chain = await checkChain(db, 'failed_api_calls');
      expect(chain.entries.find((e) => e.id === odd.row.id)?.canonical).toContain('end');
      expect(chain.mismatches).toEqual([]);
      expect(chain.headMatches).toBe(true);
    });

    it('shows entries whose personal data can no longer be committed to once the salt is gone', async () => {
      await traffic(t, f);
      const db = t.services.core.db;
      await db.deleteFrom('log_integrity_salts').where('log', '=', 'failed_api_calls').execute();
      const chain = await checkChain(db, 'failed_api_calls');
      expect(chain.mismatches).toEqual(positions(chain.head.count));
      // The other logs keep their salts and verify.
      expect((await checkChain(db, 'api_calls')).mismatches).toEqual([]);
    });

    it('gives no second position to a batch replayed after it was stored', async () => {
      const db = t.services.core.db;
      const nextId = createLogIdGenerator(systemClock);
      const target = { db, repository: createRequestLogRepository(db), chainer: createRequestLogChainer() };
      const batch = await lines([
        apiCallRecord(nextId(), 200),
        apiCallRecord(nextId(), 404),
        blockedRecord(nextId()),
      ]);
      await t.services.requestLogs.flush();
      const before = await readChainHead(db, 'api_calls');
      await writeBatch(batch, target);
      await writeBatch(batch, target);
      const after = await checkChain(db, 'api_calls');
      expect(after.head.count).toBe(before.count + 1);
      expect(after.seqs).toEqual(positions(after.head.count));
      expect(after.mismatches).toEqual([]);
      expect((await readChainHead(db, 'blocked')).count).toBe(1);
    });

    it('moves the start of the kept part to the hash just before it, never back', async () => {
      await traffic(t, f);
      const db = t.services.core.db;
      const chain = await checkChain(db, 'api_calls');
      await db.transaction().execute((tx) => moveRetainedStart(tx, 'api_calls', 3));
      const head = await readChainHead(db, 'api_calls');
      expect(head).toMatchObject({ retained_from: 3, retained_after: chain.entries[1]!.hash });
      await db.transaction().execute((tx) => moveRetainedStart(tx, 'api_calls', 2));
      expect((await readChainHead(db, 'api_calls')).retained_from).toBe(3);
      await expect(
        db.transaction().execute((tx) => moveRetainedStart(tx, 'api_calls', chain.head.count + 2)),
      ).rejects.toThrow(/cannot keep from position/);
      expect((await readChainHead(db, 'api_calls')).retained_from).toBe(3);
    });
  });

  describe('with integrity off', () => {
    let t: TestContext;
    beforeEach(async () => {
      t = await createTestApp(dialect, (config) => {
        config.integrity.enabled = false;
      });
    });
    afterEach(async () => t.close());

    it('writes entries unchained, and sealing chains them later in id order', async () => {
      await traffic(t, await licenseFixture(t));
      const db = t.services.core.db;
      const unchained = {
        api: await countRows(db, 'api_call_log', false),
        blocked: await countRows(db, 'blocked_log', false),
        activity: await countRows(db, 'activity_log', false),
      };
      expect(unchained.api).toBeGreaterThan(0);
      expect(unchained.blocked).toBeGreaterThan(0);
      expect(unchained.activity).toBeGreaterThan(0);
      expect(await countRows(db, 'api_call_log', true)).toBe(0);
      const hashes = await db
        .selectFrom('api_call_log')
        .select(['chain_hash', 'private_commitment'])
        .where((eb) => eb.or([eb('chain_hash', 'is not', null), eb('private_commitment', 'is not', null)]))
        .execute();
      expect(hashes).toEqual([]);
      for (const log of CHAINED_LOGS) expect((await readChainHead(db, log)).count).toBe(0);

      const sealed = await sealAllUnchainedEntries(db);
      expect(sealed.api_calls + sealed.failed_api_calls).toBe(unchained.api);
      expect(sealed.blocked).toBe(unchained.blocked);
      expect(sealed.activity).toBe(unchained.activity);
      for (const log of CHAINED_LOGS) {
        const chain = await checkChain(db, log);
        expect(chain.seqs, log).toEqual(positions(sealed[log]));
        expect(chain.mismatches, log).toEqual([]);
        expect(chain.headMatches, log).toBe(true);
        const ids = chain.entries.map((e) => e.id);
        expect(ids, log).toEqual([...ids].sort());
      }
      expect(await sealAllUnchainedEntries(db)).toEqual({
        activity: 0,
        api_calls: 0,
        failed_api_calls: 0,
        blocked: 0,
      });
    });
  });
});

describe('log hash chains on sqlite, with values stored in another type than written', () => {
  let t: TestContext;
  beforeEach(async () => {
    t = await createTestApp('sqlite');
  });
  afterEach(async () => t.close());

  it('shows each changed row and still recomputes the rows around it', async () => {
    await traffic(t, await licenseFixture(t));
    const db = t.services.core.db;
    const [first, second, third] = (await checkChain(db, 'api_calls')).entries;
    // A real where an integer was written: the read gives it exactly, so it no longer hashes the same.
    await sql`update api_call_log set response_time_us = response_time_us + 0.000001
      where chain_seq = ${third!.seq} and status < 400`.execute(db);
    expect((await checkChain(db, 'api_calls')).mismatches).toEqual([third!.seq]);
    // A blob where text was written.
    await sql`update api_call_log set path = ${Buffer.from('/api/v1/licenses/validate')}
      where chain_seq = ${first!.seq} and status < 400`.execute(db);
    const chain = await checkChain(db, 'api_calls');
    expect(chain.seqs).toEqual(positions(chain.head.count));
    expect(chain.mismatches).toEqual([first!.seq, third!.seq]);
    expect(chain.entries[1]!.hash).toBe(second!.hash);
  });
});

describe('log hash chains written by several processes on postgres', () => {
  let t: TestContext;
  const handles: { destroy(): Promise<void> }[] = [];
  beforeEach(async () => {
    t = await createTestApp('postgres');
  });
  afterEach(async () => {
    for (const handle of handles.splice(0)) await handle.destroy();
    await t.close();
  });

  it('extends one chain per log without forks when writers commit at the same time', async () => {
    const writers = [0, 1, 2].map(() => {
      const handle = openDatabase(t.services.core.config.database);
      handles.push(handle);
      return {
        target: {
          db: handle.db,
          repository: createRequestLogRepository(handle.db),
          chainer: createRequestLogChainer(),
        },
        activity: createActivityService(
          {
            db: handle.db,
            clock: systemClock,
            logger: t.services.core.logger,
            config: t.services.core.config,
          },
          t.services.loggingSettings,
        ),
        nextId: createLogIdGenerator(systemClock),
      };
    });
    const rounds = 6;
    const perBatch = 50;
    for (let round = 0; round < rounds; round++) {
      await Promise.all(
        writers.map(async (writer, w) => {
          const records = Array.from({ length: perBatch }, (_, i) =>
            i % 10 === 9
              ? blockedRecord(writer.nextId(), i)
              : apiCallRecord(writer.nextId(), i % 5 === 0 ? 500 : 200, i),
          );
          await writeBatch(await lines(records), writer.target);
          await writer.activity.record(
            systemContext(`writer-${w}`),
            { action_type: 'SETTINGS_UPDATED', resource_type: 'settings', details: { round } },
            async () => {},
          );
        }),
      );
    }
    const db = t.services.core.db;
    const total = { api_calls: 0, failed_api_calls: 0, blocked: 0 };
    for (let i = 0; i < perBatch; i++) {
      if (i % 10 === 9) total.blocked++;
      else if (i % 5 === 0) total.failed_api_calls++;
      else total.api_calls++;
    }
    for (const log of ['api_calls', 'failed_api_calls', 'blocked'] as const) {
      const chain = await checkChain(db, log);
      expect(chain.head.count, log).toBe(total[log] * rounds * writers.length);
      expect(chain.seqs, log).toEqual(positions(chain.head.count));
      expect(chain.mismatches, log).toEqual([]);
      expect(chain.headMatches, log).toBe(true);
    }
    const activity = await checkChain(db, 'activity');
    const actions = await db
      .selectFrom('activity_log')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(activity.head.count).toBe(Number(actions.n));
    expect(activity.seqs).toEqual(positions(activity.head.count));
    expect(activity.mismatches).toEqual([]);
  });
});
