import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/database.js';
import { archivedChainPages, sha256 } from '../../src/logging/archive/archive-reader.js';
import { LOG_TABLES, logTableCodecs } from '../../src/logging/archive/archive-tables.js';
import {
  CHAINED_LOGS,
  genesisHead,
  nextHeadHex,
  privateCommitmentHex,
  saltDay,
  type ChainedLog,
} from '../../src/logging/integrity/chain.js';
import type { ChainEntry } from '../../src/logging/integrity/chain-entry.js';
import { truncateIp } from '../../src/logging/integrity/redaction.js';
import { ipBytes } from '../../src/logging/ip-filter.js';
import { idBoundary } from '../../src/logging/log-entry.js';
import { idToBytes, storedIp } from '../../src/logging/request-log.codec.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { deleteBefore, seed2025 } from '../helpers/log-archives.js';

const END_OF_2025 = new Date('2026-01-01T00:00:00.000Z');
const TABLES = ['activity_log', 'api_call_log', 'blocked_log'] as const;

/**
 * Seals every 2025 entry into its log's chain as the chain writer would (chain.ts), each day with its
 * own salt, and redacts every third entry (address truncated, the commitment stored).
 */
async function sealChains(db: Db): Promise<Record<ChainedLog, number>> {
  const codecs = logTableCodecs();
  const counts = {} as Record<ChainedLog, number>;
  for (const log of CHAINED_LOGS) {
    const codec = codecs[log];
    const rows = await codec.read(
      db,
      idBoundary('log', new Date(0), false),
      idBoundary('log', END_OF_2025, false),
      false,
      1e6,
    );
    let head = genesisHead(log).toString('hex');
    let seq = 0;
    for (const row of rows) {
      const day = saltDay(row.timestamp);
      let salt = await db
        .selectFrom('log_integrity_salts')
        .select('salt')
        .where('log', '=', log)
        .where('day', '=', day)
        .executeTakeFirst();
      if (!salt) {
        salt = { salt: randomBytes(32) };
        await db.insertInto('log_integrity_salts').values({ log, day, salt: salt.salt }).execute();
      }
      const commitment = privateCommitmentHex(
        Buffer.from(salt.salt).toString('hex'),
        row.id,
        codec.privateValues(row.line),
      );
      const redacted = ++seq % 3 === 0 && typeof row.line.ip === 'string';
      const line = redacted ? { ...row.line, ip: truncateIp(row.line.ip as string) } : row.line;
      head = nextHeadHex(head, codec.canonical(line, commitment));
      const table = LOG_TABLES[log];
      const set: Record<string, unknown> = {
        chain_seq: seq,
        chain_hash: Buffer.from(head, 'hex'),
        ...(redacted && { private_commitment: Buffer.from(commitment, 'hex') }),
      };
      if (redacted && table === 'api_call_log') set.ip = storedIp(line.ip as string);
      if (redacted && table === 'blocked_log')
        Object.assign(set, { ip: line.ip, ip_bytes: storedIp(line.ip as string) });
      if (redacted && table === 'activity_log')
        Object.assign(set, { ip: line.ip, ip_bytes: ipBytes(line.ip as string) });
      await (db as unknown as Db)
        .updateTable(table)
        .set(set as never)
        .where('id', '=', (table === 'activity_log' ? row.id : idToBytes(row.id)) as never)
        .execute();
    }
    counts[log] = seq;
  }
  return counts;
}

/** Every stored column of the three tables' 2025 entries, binary ones as hex, by table. */
async function snapshot(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  const bound = idBoundary('log', END_OF_2025, false);
  for (const table of TABLES) {
    const rows = await (db as unknown as Db)
      .selectFrom(table)
      .selectAll()
      .where('id', '<', (table === 'activity_log' ? bound : idToBytes(bound)) as never)
      .orderBy('id')
      .execute();
    out[table] = rows.map((row) =>
      Object.fromEntries(
        Object.entries(row).map(([k, v]) => [
          k,
          v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
        ]),
      ),
    );
  }
  return out;
}

describe.each(DIALECTS)('archives of chained logs on %s', (dialect) => {
  let t: TestContext;
  let dir: string;
  let counts: Record<ChainedLog, number>;
  let sealed: Record<string, unknown[]>;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-archives-chain-'));
    // The server writes unchained, so the chains below are exactly the ones sealChains builds.
    t = await createTestApp(dialect, (c) => {
      c.archive.dir = dir;
      c.integrity.enabled = false;
    });
    await seed2025(t);
    counts = await sealChains(t.services.core.db);
    sealed = await snapshot(t.services.core.db);
  });
  afterAll(async () => {
    await t.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function archivedEntriesOf(log: ChainedLog, toSeq: number): Promise<ChainEntry[]> {
    const entries: ChainEntry[] = [];
    for await (const page of archivedChainPages(t.services.archives.store(), log, 1, toSeq))
      entries.push(...page);
    return entries;
  }

  it('keeps chain positions and the day salt, and only the commitments the salt does not give', async () => {
    await t.services.archives.archiveDays([...CHAINED_LOGS], '2026-01-01');
    const manifest = JSON.parse(
      fs.readFileSync(path.join(dir, 'api_calls', '2025-06-01.manifest.json'), 'utf8'),
    );
    const salt = await t.services.core.db
      .selectFrom('log_integrity_salts')
      .select('salt')
      .where('log', '=', 'api_calls')
      .where('day', '=', '2025-06-01')
      .executeTakeFirstOrThrow();
    expect(manifest.chain).toMatchObject({
      first_seq: 1,
      head_before: genesisHead('api_calls').toString('hex'),
      salt: Buffer.from(salt.salt).toString('hex'),
    });
    const lines = gunzipSync(fs.readFileSync(path.join(dir, 'api_calls', '2025-06-01.ndjson.gz')))
      .toString()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((l) => l.chain_seq)).toEqual(lines.map((_, i) => i + 1));
    expect(lines.some((l) => 'chain_hash' in l)).toBe(false);
    expect(lines.filter((l) => 'private_commitment' in l).map((l) => l.chain_seq)).toEqual(
      lines.filter((l) => l.chain_seq % 3 === 0 && l.ip).map((l) => l.chain_seq),
    );
  });

  it('gives the verifier every archived chain position, hashing on from genesis', async () => {
    for (const log of CHAINED_LOGS) {
      let previous = genesisHead(log).toString('hex');
      const seqs: number[] = [];
      for (const entry of await archivedEntriesOf(log, counts[log])) {
        expect(nextHeadHex(previous, entry.canonical)).toBe(entry.hash);
        previous = entry.hash;
        seqs.push(entry.seq);
      }
      expect(seqs).toEqual(Array.from({ length: counts[log] }, (_, i) => i + 1));
    }
  });

  it('restores every stored column exactly, the chain hashes recomputed, the deleted salts back', async () => {
    await deleteBefore(t, END_OF_2025);
    await t.services.core.db.deleteFrom('log_integrity_salts').execute();
    await t.services.archives.restore([...CHAINED_LOGS], '2025-01-01', '2025-12-31');
    expect(await snapshot(t.services.core.db)).toEqual(sealed);
    const salts = await t.services.core.db.selectFrom('log_integrity_salts').select('day').execute();
    expect(salts.length).toBeGreaterThan(0);
  });

  it('refuses an archive whose entries were altered and resealed with a matching SHA-256', async () => {
    const file = path.join(dir, 'api_calls', '2025-06-02.ndjson.gz');
    const manifestFile = path.join(dir, 'api_calls', '2025-06-02.manifest.json');
    const original = { file: fs.readFileSync(file), manifest: fs.readFileSync(manifestFile) };
    const text = gunzipSync(original.file).toString().replace('"status":200', '"status":201');
    const forged = gzipSync(text);
    const manifest = JSON.parse(original.manifest.toString());
    fs.writeFileSync(file, forged);
    fs.writeFileSync(
      manifestFile,
      JSON.stringify({ ...manifest, sha256: sha256(forged), bytes: forged.length }),
    );
    try {
      await deleteBefore(t, END_OF_2025);
      await expect(t.services.archives.restore(['api_calls'], '2025-06-02', '2025-06-02')).rejects.toThrow(
        'its entries do not hash to the chain head of its manifest',
      );
      const left = await t.services.core.db
        .selectFrom('api_call_log')
        .select('id')
        .where('id', '<', idToBytes(idBoundary('log', END_OF_2025, false)))
        .execute();
      expect(left).toEqual([]);
      let previous = genesisHead('api_calls').toString('hex');
      let breaks = 0;
      for (const entry of await archivedEntriesOf('api_calls', counts.api_calls)) {
        if (nextHeadHex(previous, entry.canonical) !== entry.hash) breaks++;
        previous = entry.hash;
      }
      expect(breaks).toBeGreaterThan(0);
    } finally {
      fs.writeFileSync(file, original.file);
      fs.writeFileSync(manifestFile, original.manifest);
    }
  });
});
