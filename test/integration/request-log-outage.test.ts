import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { describe, it } from 'vitest';
import type { Config } from '../../src/config/config.js';
import { createTestApp } from '../helpers/app.js';
import { DIALECTS, TEST_POSTGRES_URL } from '../helpers/database.js';
import { licenseFixture, storedApiCalls } from '../helpers/request-logs.js';
import { liftRateLimits } from '../helpers/security.js';

const OUTAGE_MS = 30_000;
const CLIENTS = 8;
/** Each client pauses between calls: a steady load (about 200 calls/s per store here) that leaves CPU
 * to the test files running beside this one. */
const PAUSE_MS = 30;
const WARM_UP_MS = 1500;
const BASELINE_MS = 3000;

interface Call {
  client: number;
  n: number;
  marker: string;
  status: number;
  sentAt: number;
  receivedAt: number;
}

/**
 * How the store goes away, reversibly. SQLite: another connection holds an exclusive lock on the
 * database file (a command or tool writing beside the server), so every write of the writer is
 * refused as busy. PostgreSQL: the table is renamed away, so every insert is refused.
 */
function outage(database: Config['database']) {
  if (database.kind === 'sqlite') {
    let locker: SqliteDatabase.Database | null = null;
    return {
      begin: async () => {
        locker = new SqliteDatabase(database.file);
        locker.prepare('begin exclusive').run();
      },
      end: async () => {
        locker?.prepare('commit').run();
        locker?.close();
        locker = null;
      },
    };
  }
  let away = false;
  const run = async (statement: string) => {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      await client.query(`set search_path to ${database.schema}`);
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    begin: async () => {
      await run('alter table api_call_log rename to api_call_log_away');
      away = true;
    },
    end: async () => {
      if (away) await run('alter table api_call_log_away rename to api_call_log');
      away = false;
    },
  };
}

/** A JSON POST over a kept-alive connection (fetch costs several times the CPU per call). */
function post(
  agent: http.Agent,
  url: string,
  headers: Record<string, string>,
  body: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: 'POST', agent, headers: { ...headers, 'content-type': 'application/json' } },
      (response) => {
        response.on('error', reject);
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.resume();
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function getJson(agent: http.Agent, url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve(text.startsWith('{') ? JSON.parse(text) : text));
        response.on('error', reject);
      })
      .on('error', reject);
  });
}

/** The pipeline's figures as /metrics shows them, summed over the API-call and failed-call logs. */
async function logMetrics(agent: http.Agent, url: string) {
  const text = (await getJson(agent, `${url}/metrics`)) as string;
  const value = (name: string) =>
    text
      .split('\n')
      .filter(
        (line) =>
          line.startsWith(`${name}{log="api_calls"}`) || line.startsWith(`${name}{log="failed_api_calls"}`),
      )
      .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
  return {
    spooled: value('keymanager_log_entries_spooled_total'),
    spooledFailed: Number(
      /keymanager_log_entries_spooled_total\{log="failed_api_calls"\} (\d+)/.exec(text)?.[1] ?? 0,
    ),
    replayed: value('keymanager_log_entries_replayed_total'),
    dropped: value('keymanager_log_entries_dropped_total'),
    spoolBytes: Number(/^keymanager_log_spool_bytes (\d+)/m.exec(text)?.[1] ?? NaN),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

// The two stores' outages run at the same time: the file takes about 45 s instead of 90.
describe.concurrent.each(DIALECTS)('request logs with their store away for 30 s on %s', (dialect) => {
  it('answers at normal speed, spools, then stores every answered call once and in order', async ({
    expect,
  }) => {
    const t = await createTestApp(dialect, (config) => {
      // A lock needs a database file another connection can open.
      if (dialect === 'sqlite')
        config.database = { kind: 'sqlite', file: path.join(config.dataDir, 'km.db') };
    });
    const { config, db } = t.services.core;
    const store = outage(config.database);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS + 2 });
    try {
      const f = await licenseFixture(t);
      await liftRateLimits(t.services);
      const url = await t.app.listen({ host: '127.0.0.1', port: 0 });

      // Every call carries its own marker in the user agent, which its entry records.
      const calls: Call[] = [];
      const clientErrors: unknown[] = [];
      let stop = false;
      const client = async (c: number) => {
        for (let n = 0; !stop; n++) {
          const marker = `outage-${dialect}-c${c}-n${n}`;
          // One call in four is for a licence that does not exist: the failed-call log is spooled too.
          const key = n % 4 === 3 ? `${f.key}-unknown` : f.key;
          const sentAt = performance.now();
          try {
            const status = await post(
              agent,
              `${url}/api/v1/licenses/validate`,
              { authorization: `Bearer ${f.apiKey}`, 'user-agent': marker },
              JSON.stringify({ license_key: key }),
            );
            calls.push({ client: c, n, marker, status, sentAt, receivedAt: performance.now() });
          } catch (error) {
            clientErrors.push(error);
            return;
          }
          await sleep(PAUSE_MS);
        }
      };
      const clients = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));

      await sleep(WARM_UP_MS);
      const baselineFrom = performance.now();
      await sleep(BASELINE_MS);
      const baselineTo = performance.now();

      await store.begin();
      const outageFrom = performance.now();
      const duringOutage: { spooled: number; spoolBytes: number; readiness: unknown }[] = [];
      while (performance.now() - outageFrom < OUTAGE_MS) {
        await sleep(Math.max(0, Math.min(1000, OUTAGE_MS - (performance.now() - outageFrom))));
        const { spooled, spoolBytes } = await logMetrics(agent, url);
        const readiness = ((await getJson(agent, `${url}/readyz`)) as { status: string }).status;
        duringOutage.push({ spooled, spoolBytes, readiness });
      }
      const outageTo = performance.now();
      const atOutageEnd = await logMetrics(agent, url);
      await store.end();

      // Calls go on while the writer, on its own (its retry backs off to 5 s), replays the backlog;
      // meanwhile sample what a reader of the store sees, in one statement (one snapshot).
      const restoredAt = performance.now();
      const visible: { count: number; last: string }[] = [];
      let replayed = false;
      while (performance.now() - restoredAt < 20_000) {
        const {
          rows: [row],
        } = await sql<{ count: number | string; last: Uint8Array | null }>`
          select count(*) as count, (select id from api_call_log order by id desc limit 1) as last
          from api_call_log`.execute(db);
        if (row?.last)
          visible.push({ count: Number(row.count), last: Buffer.from(row.last).toString('hex') });
        replayed ||= (await logMetrics(agent, url)).replayed >= atOutageEnd.spooled;
        if (replayed && performance.now() - restoredAt > 2000) break;
        await sleep(50);
      }
      stop = true;
      await clients;
      expect(clientErrors).toEqual([]);
      expect(replayed).toBe(true);
      const deadline = performance.now() + 10_000;
      while ((await logMetrics(agent, url)).spoolBytes > 0 && performance.now() < deadline) await sleep(50);
      const final = await logMetrics(agent, url);
      expect(final).toMatchObject({ spoolBytes: 0, dropped: 0 });
      expect(final.replayed).toBeGreaterThanOrEqual(final.spooled);
      expect(await getJson(agent, `${url}/readyz`)).toEqual({ status: 'ready' });
      if (dialect === 'sqlite') {
        // The writer waits for no lock (see the pipeline); everything else still waits as configured.
        const { rows: pragma } = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db);
        expect(pragma).toEqual([{ timeout: 5000 }]);
      }

      // During the outage every call got the licence API's own answer, as often and about as fast as
      // before it, and without a pause: the request path never waits for the store. (A writer waiting
      // on the store on the event loop stalls every answer for seconds at a time.) The bounds are loose
      // because the machine is shared: the baseline and the outage may see different CPU contention.
      const sentIn = (from: number, to: number) => calls.filter((c) => c.sentAt >= from && c.sentAt < to);
      const before = sentIn(baselineFrom, baselineTo);
      const during = sentIn(outageFrom, outageTo);
      const latency = (list: Call[]) => median(list.map((c) => c.receivedAt - c.sentAt));
      const rate = (list: Call[], ms: number) => (list.length * 1000) / ms;
      expect(calls.filter((c) => c.status !== (c.n % 4 === 3 ? 404 : 200))).toEqual([]);
      // Enough baseline calls for the comparisons below to mean something, on a machine that may be busy.
      expect(before.length).toBeGreaterThan(30);
      expect(rate(during, outageTo - outageFrom)).toBeGreaterThan(
        0.4 * rate(before, baselineTo - baselineFrom),
      );
      expect(latency(during)).toBeLessThan(3 * latency(before) + 50);
      const answered = during.map((c) => c.receivedAt).sort((a, b) => a - b);
      const longestSilence = Math.max(...answered.slice(1).map((at, i) => at - answered[i]!));
      expect(longestSilence).toBeLessThan(2500);

      // Meanwhile /metrics showed the entries going to the spool, and readiness said degraded.
      expect(duringOutage.length).toBeGreaterThanOrEqual(OUTAGE_MS / 2000);
      expect(duringOutage.every((s) => s.readiness === 'degraded')).toBe(true);
      expect(duringOutage.every((s) => s.spooled > 0 && s.spoolBytes > 0)).toBe(true);
      for (let k = 1; k < duringOutage.length; k++) {
        expect(duringOutage[k]!.spooled).toBeGreaterThanOrEqual(duringOutage[k - 1]!.spooled);
        expect(duringOutage[k]!.spoolBytes).toBeGreaterThanOrEqual(duringOutage[k - 1]!.spoolBytes);
      }
      expect(duringOutage.at(-1)!.spooled).toBeGreaterThan(duringOutage[0]!.spooled);
      expect(atOutageEnd.spooled).toBeGreaterThan(0.9 * during.length);
      expect(atOutageEnd.spooledFailed).toBeGreaterThan(0);

      // No loss, no duplicate: every call a client was answered for has exactly one entry, with the
      // status the client received, and there is no entry for a call nobody made.
      const rows = await storedApiCalls(db)
        .select(['api_call_log.id', 'status'])
        .orderBy('api_call_log.id', 'asc')
        .execute();
      const ids = rows.map((row) => Buffer.from(row.id as Uint8Array).toString('hex'));
      const ours = rows
        .map((row, rank) => ({ marker: row.user_agent ?? '', status: row.status, rank }))
        .filter((row) => row.marker.startsWith(`outage-${dialect}-`));
      const entryOf = new Map(ours.map((row) => [row.marker, row]));
      expect(ours.length).toBe(calls.length);
      expect(entryOf.size).toBe(calls.length);
      expect(calls.filter((c) => entryOf.get(c.marker)?.status !== c.status)).toEqual([]);

      // "Keeps order" means two things a reader of the log can notice.
      // 1. The log lists calls in the order they happened, however late their entries were written: an
      //    entry's id (the log's time index and sort key) is taken on the request path, so a call answered
      //    before another was sent comes first — within one client, and across clients.
      for (let c = 0; c < CLIENTS; c++) {
        const sent = calls.filter((x) => x.client === c).sort((a, b) => a.n - b.n);
        const inLog = sent.map((x) => entryOf.get(x.marker)!.rank);
        expect(inLog).toEqual([...inLog].sort((a, b) => a - b));
      }
      const byRank = [...calls].sort((a, b) => entryOf.get(a.marker)!.rank - entryOf.get(b.marker)!.rank);
      let earliestAnswerAfter = Infinity;
      const overtaken: string[] = [];
      for (let k = byRank.length - 1; k >= 0; k--) {
        // No call listed after this one may have been answered before this one was sent.
        if (earliestAnswerAfter < byRank[k]!.sentAt) overtaken.push(byRank[k]!.marker);
        earliestAnswerAfter = Math.min(earliestAnswerAfter, byRank[k]!.receivedAt);
      }
      expect(overtaken).toEqual([]);
      // 2. The backlog is written oldest first, the calls made after the store returned behind it: at
      //    every moment of the replay the store held a prefix of the final log, never a later entry
      //    before an earlier one.
      expect(visible.length).toBeGreaterThan(5);
      for (const sample of visible) expect(ids.filter((id) => id <= sample.last).length).toBe(sample.count);
      // PostgreSQL's writer yields between batches, so a reader saw the backlog arrive part by part (on
      // SQLite the writer thread replays it in a few full batches, often between two of these samples).
      const callOf = new Map(calls.map((c) => [c.marker, c]));
      const midReplay = visible.filter((sample) => {
        const call = callOf.get(rows[ids.indexOf(sample.last)]?.user_agent ?? '');
        return sample.count > visible[0]!.count && call !== undefined && call.sentAt < restoredAt;
      });
      if (dialect === 'postgres') expect(midReplay.length).toBeGreaterThan(0);
    } finally {
      await store.end();
      agent.destroy();
      await t.close();
      fs.rmSync(config.dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});
