import { createGzip, constants as zlib } from 'node:zlib';
import { sql } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { Clock } from '../../shared/clock.js';
import { genesisHead, privateCommitmentHex, saltDay, type ChainedLog } from '../integrity/chain.js';
import { idBoundary, timestampOfId } from '../log-entry.js';
import { idFromBytes, idToBytes } from '../request-log.codec.js';
import {
  ARCHIVE_FORMAT,
  DATA_SUFFIX,
  MANIFEST_SUFFIX,
  dayStart,
  nextDay,
  partName,
  type ArchiveChain,
  type ArchiveManifest,
} from './archive-format.js';
import { archiveManifests, readArchivePart, sha256, type ArchivePart } from './archive-reader.js';
import { lineCompactor } from './archive-references.js';
import type { ArchiveStore } from './archive-store.js';
import {
  LOG_TABLES,
  hasChainColumns,
  logTableCodecs,
  type ArchivedRow,
  type LogTableCodec,
} from './archive-tables.js';

/**
 * A gzip stream (level 9) fed text as it is made, its compressed bytes collected: a day's text never
 * has to be held whole, only its archive.
 */
function gzipWriter() {
  const stream = createGzip({ level: zlib.Z_BEST_COMPRESSION });
  const chunks: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
  let pending = '';
  return {
    write(text: string): void {
      pending += text;
      if (pending.length >= 64 * 1024) {
        stream.write(pending);
        pending = '';
      }
    },
    end(): Promise<Buffer> {
      stream.end(pending);
      return done;
    },
  };
}

/** Rows read per query while archiving a day. */
const READ_PAGE = 20_000;

export interface RestoreReport {
  files: number;
  restored: number;
  /** Entries of the archives still present in the database, left as they are. */
  skipped: number;
}

/**
 * Archives of the four logs (ADR 0011): per log and UTC day, written before retention deletes the
 * entries, read back to restore them or to verify their chain. Idempotent: what a part already holds
 * is never archived again.
 */
export function createLogArchives({ db, store, clock }: { db: Db; store: ArchiveStore; clock: Clock }) {
  const codecs = logTableCodecs();
  const chained = new Map<string, Promise<boolean>>();
  const chainColumns = (codec: LogTableCodec) => {
    let known = chained.get(codec.table);
    if (!known) chained.set(codec.table, (known = hasChainColumns(db, codec.table)));
    return known;
  };

  async function salt(log: ChainedLog, day: string): Promise<string | undefined> {
    const row = await db
      .selectFrom('log_integrity_salts')
      .select('salt')
      .where('log', '=', log)
      .where('day', '=', day)
      .executeTakeFirst();
    return row ? Buffer.from(row.salt).toString('hex') : undefined;
  }

  /** Hex head(seq) of a log: genesis, a live entry, an archive's end, or where the kept chain starts. */
  async function headAt(log: ChainedLog, seq: number, archived: ArchiveManifest[]): Promise<string> {
    if (seq === 0) return genesisHead(log).toString('hex');
    const table = LOG_TABLES[log];
    let query = sql`select ${sql.ref('chain_hash')} as hash from ${sql.table(table)} where ${sql.ref('chain_seq')} = ${seq}`;
    if (table === 'api_call_log') {
      query = sql`${query} and ${sql.ref('status')} ${sql.raw(log === 'failed_api_calls' ? '>=' : '<')} 400`;
    }
    const live = (await query.execute(db)).rows[0] as { hash: Uint8Array } | undefined;
    if (live) return Buffer.from(live.hash).toString('hex');
    const ending = archived.find((m) => m.chain?.last_seq === seq);
    if (ending) return ending.chain!.head_after;
    const kept = await db
      .selectFrom('log_chain_heads')
      .select(['retained_from', 'retained_after'])
      .where('log', '=', log)
      .executeTakeFirst();
    if (kept && Number(kept.retained_from) === seq + 1)
      return Buffer.from(kept.retained_after).toString('hex');
    throw new Error(`${log}: the chain head at position ${seq} is nowhere to be found`);
  }

  /** Archives the entries of `log` with `fromId <= id < toId` (one UTC day at most) as one new part. */
  async function archivePart(
    log: ChainedLog,
    day: string,
    part: number,
    fromId: string,
    toId: string,
    archived: ArchiveManifest[],
    wanted: (id: string) => boolean = () => true,
  ): Promise<ArchiveManifest | null> {
    const codec = codecs[log];
    const withChain = await chainColumns(codec);
    const daySalt = withChain ? await salt(log, day) : undefined;
    const gzip = gzipWriter();
    let entries = 0;
    const compact = lineCompactor(log);
    let first: ArchivedRow | undefined;
    let last: ArchivedRow | undefined;
    let chain: ArchiveChain | undefined;
    let previousSeq = -1;
    for (let cursor = fromId; ;) {
      const rows = await codec.read(db, cursor, toId, withChain, READ_PAGE);
      if (rows.length === 0) break;
      for (const row of rows) {
        if (!wanted(row.id)) continue;
        first ??= row;
        last = row;
        const line = row.line;
        if (row.seq !== null && row.hash !== null) {
          if (!chain) {
            chain = {
              first_seq: row.seq,
              last_seq: row.seq,
              head_before: await headAt(log, row.seq - 1, archived),
              head_after: row.hash,
              ...(daySalt && { salt: daySalt }),
            };
          } else if (row.seq !== previousSeq + 1) {
            // Another process's entry of a neighbouring day sits in between: say where this one continues.
            line.chain_prev = await headAt(log, row.seq - 1, archived);
          }
          line.chain_seq = row.seq;
          chain.last_seq = row.seq;
          chain.head_after = row.hash;
          previousSeq = row.seq;
          const derivable =
            daySalt !== undefined &&
            row.commitment === privateCommitmentHex(daySalt, row.id, codec.privateValues(line));
          if (row.commitment !== null && !derivable) line.private_commitment = row.commitment;
          // Without the day's salt nor a stored commitment the hash cannot be recomputed: keep it.
          if (row.commitment === null && daySalt === undefined) line.chain_hash = row.hash;
        }
        gzip.write(JSON.stringify(compact(line)) + '\n');
        entries++;
      }
      if (rows.length < READ_PAGE) break;
      cursor = nextId(rows.reduce((max, row) => (row.id > max ? row.id : max), rows[0]!.id));
    }
    const body = await gzip.end();
    if (!first || !last) return null;
    const name = partName(log, day, part);
    const ids = [first.id, last.id].sort();
    const manifest: ArchiveManifest = {
      format: ARCHIVE_FORMAT,
      log,
      day,
      part,
      file: name + DATA_SUFFIX,
      entries,
      bytes: body.length,
      sha256: sha256(body),
      first_id: ids[0]!,
      last_id: ids[1]!,
      from: first.timestamp < last.timestamp ? first.timestamp : last.timestamp,
      to: first.timestamp < last.timestamp ? last.timestamp : first.timestamp,
      archived_at: clock.now().toISOString(),
      ...(chain && { chain }),
    };
    // The data file first: a manifest names only a file that is complete.
    await store.put(manifest.file, body);
    await store.put(name + MANIFEST_SUFFIX, Buffer.from(JSON.stringify(manifest, null, 2) + '\n'));
    return manifest;
  }

  /** The smallest entry id of `log` with `fromId <= id < toId`, or null. */
  async function firstIdFrom(log: ChainedLog, fromId: string, toId: string): Promise<string | null> {
    const rows = await codecs[log].read(db, fromId, toId, false, 1);
    return rows[0]?.id ?? null;
  }

  /**
   * Entries committed late — after their day was archived, with ids inside the archived range (a
   * journal replayed after an outage) — as one more part. The count of live entries in the range is
   * compared with the parts' first; only when they differ are the parts' ids read.
   */
  async function archiveLate(
    log: ChainedLog,
    day: string,
    part: number,
    fromId: string,
    toId: string,
    parts: ArchiveManifest[],
    archived: ArchiveManifest[],
  ): Promise<ArchiveManifest | null> {
    const live = await codecs[log].count(db, fromId, toId);
    const held = parts.reduce((sum, m) => sum + m.entries, 0);
    if (live === 0 || live === held) return null;
    const ids = new Set<string>();
    for (const manifest of parts) {
      for (const row of (await readArchivePart(store, manifest)).rows) ids.add(row.line.id as string);
    }
    return archivePart(log, day, part, fromId, toId, archived, (id) => !ids.has(id));
  }

  /**
   * Archives every entry of `log` older than `beforeId` that no part holds yet, one part per UTC day.
   * The retention job calls this before deleting those entries.
   */
  async function archiveBefore(log: ChainedLog, beforeId: string): Promise<ArchiveManifest[]> {
    const archived = await archiveManifests(store, log);
    const written: ArchiveManifest[] = [];
    let from = idBoundary('log', new Date(0), false);
    for (;;) {
      const id = await firstIdFrom(log, from, beforeId);
      if (!id) break;
      const day = saltDay(timestampOfId(id));
      const end = idBoundary('log', dayStart(nextDay(day)), false);
      const toId = end < beforeId ? end : beforeId;
      const parts = archived.filter((m) => m.day === day);
      const held = parts.reduce((max, m) => (m.last_id > max ? m.last_id : max), '');
      const nextPart = () => parts.reduce((max, m) => Math.max(max, m.part), 0) + 1;
      const add = (manifest: ArchiveManifest | null) => {
        if (!manifest) return;
        archived.push(manifest);
        parts.push(manifest);
        written.push(manifest);
      };
      if (held) {
        const dayFrom = idBoundary('log', dayStart(day), false);
        const heldEnd = nextId(held) < toId ? nextId(held) : toId;
        add(await archiveLate(log, day, nextPart(), dayFrom, heldEnd, parts, archived));
      }
      const start = held ? nextId(held) : id;
      if (start < toId) add(await archivePart(log, day, nextPart(), start, toId, archived));
      from = end;
    }
    return written;
  }

  /** Archived parts of `log` whose UTC day lies in `fromDay..toDay` (inclusive), oldest first. */
  async function partsBetween(log: ChainedLog, fromDay: string, toDay: string): Promise<ArchiveManifest[]> {
    return (await archiveManifests(store, log)).filter((m) => m.day >= fromDay && m.day <= toDay);
  }

  /**
   * Puts archived entries of the days `fromDay..toDay` back, skipping those still present. Every part
   * is checked before anything is written; a corrupt one stops the restore with nothing restored.
   */
  async function restore(
    logs: readonly ChainedLog[],
    fromDay: string,
    toDay: string,
  ): Promise<RestoreReport> {
    const report: RestoreReport = { files: 0, restored: 0, skipped: 0 };
    const manifests: ArchiveManifest[] = [];
    for (const log of logs) manifests.push(...(await partsBetween(log, fromDay, toDay)));
    // Every file checked before the first is written, one at a time (a year of parts does not fit in
    // memory), then each read again, checked again, and inserted in its own transaction.
    for (const manifest of manifests) await readArchivePart(store, manifest);
    for (const manifest of manifests) {
      const { rows }: ArchivePart = await readArchivePart(store, manifest);
      const codec = codecs[manifest.log];
      const withChain = await chainColumns(codec);
      const restored = await db.transaction().execute(async (tx) => {
        if (withChain && manifest.chain?.salt)
          await keepSalt(tx, manifest.log, manifest.day, manifest.chain.salt);
        return codec.insert(tx, rows, withChain);
      });
      report.files++;
      report.restored += restored;
      report.skipped += rows.length - restored;
    }
    return report;
  }

  /** Restored entries hold the full values again: their day's salt comes back with them. */
  async function keepSalt(tx: Executor, log: ChainedLog, day: string, saltHex: string): Promise<void> {
    await tx
      .insertInto('log_integrity_salts')
      .values({ log, day, salt: Buffer.from(saltHex, 'hex') })
      .onConflict((oc) => oc.columns(['log', 'day']).doNothing())
      .execute();
  }

  return {
    manifests: (log: ChainedLog) => archiveManifests(store, log),
    archiveBefore,
    partsBetween,
    restore,
    store,
  };
}

export type LogArchives = ReturnType<typeof createLogArchives>;

/** The id right after `id` in byte order: a cursor's exclusive bound made inclusive. */
function nextId(id: string): string {
  const bytes = idToBytes(id);
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 255) {
      bytes[i]!++;
      break;
    }
    bytes[i] = 0;
  }
  return idFromBytes(id.slice(0, id.indexOf('_')), bytes);
}
