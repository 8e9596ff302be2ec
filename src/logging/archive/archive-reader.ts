import { createHash } from 'node:crypto';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import type { ChainEntry, ChainEntrySource } from '../integrity/chain-entry.js';
import { nextHeadHex, privateCommitmentHex, type ChainedLog } from '../integrity/chain.js';
import {
  ARCHIVE_FORMAT,
  parseManifestName,
  type ArchiveLine,
  type ArchiveManifest,
} from './archive-format.js';
import { lineExpander } from './archive-references.js';
import type { ArchiveStore } from './archive-store.js';
import { logTableCodecs, type RestoredRow } from './archive-tables.js';

/**
 * Reading archives back, from the store alone (no database): their manifests, each part checked
 * against its manifest, its entries as restore writes them, as the chain verifier sees them, or as
 * entries of a time range.
 */

const gunzipAsync = promisify(gunzip);
const codecs = logTableCodecs();

export class CorruptArchiveError extends Error {}

/** An archive part read back and checked: its manifest and its rows as restore writes them. */
export interface ArchivePart {
  manifest: ArchiveManifest;
  rows: RestoredRow[];
}

export const sha256 = (body: Buffer) => createHash('sha256').update(body).digest('hex');

async function readManifest(store: ArchiveStore, name: string): Promise<ArchiveManifest> {
  const body = await store.get(name);
  if (!body) throw new CorruptArchiveError(`archive manifest ${name} disappeared while being read`);
  try {
    const manifest = JSON.parse(body.toString('utf8')) as ArchiveManifest;
    if (manifest.format !== ARCHIVE_FORMAT) throw new Error(`unknown format ${String(manifest.format)}`);
    return manifest;
  } catch (error) {
    throw new CorruptArchiveError(`archive manifest ${name} is unreadable: ${(error as Error).message}`);
  }
}

/** Every part's manifest of `log`, oldest day first, parts of a day in order. */
export async function archiveManifests(store: ArchiveStore, log: ChainedLog): Promise<ArchiveManifest[]> {
  const names = (await store.list(`${log}/`)).filter((name) => parseManifestName(name)?.log === log);
  const read = await Promise.all(names.map((name) => readManifest(store, name)));
  return read.sort((a, b) => (a.day === b.day ? a.part - b.part : a.day < b.day ? -1 : 1));
}

type ChainedLine = ArchiveLine & {
  chain_seq?: number;
  chain_prev?: string;
  private_commitment?: string;
  chain_hash?: string;
};

/** A file's text as its lines, each with what its reference stands for put back. */
function parseLines(log: ChainedLog, text: string): ChainedLine[] {
  const expand = lineExpander(log);
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => expand(JSON.parse(line) as ArchiveLine) as ChainedLine);
}

/**
 * A part's file checked against its manifest (size, SHA-256, count) and decoded; chain hashes are
 * recomputed from the manifest's head before and must end at its head after.
 */
export async function readArchivePart(store: ArchiveStore, manifest: ArchiveManifest): Promise<ArchivePart> {
  const where = `archive ${manifest.file}`;
  const body = await store.get(manifest.file);
  if (!body) throw new CorruptArchiveError(`${where} is missing; its manifest names it`);
  if (body.length !== manifest.bytes || sha256(body) !== manifest.sha256) {
    throw new CorruptArchiveError(
      `${where} does not match the SHA-256 of its manifest (corrupted or altered); nothing restored from it`,
    );
  }
  let lines: ChainedLine[];
  try {
    lines = parseLines(manifest.log, (await gunzipAsync(body)).toString('utf8'));
  } catch (error) {
    throw new CorruptArchiveError(`${where} cannot be read: ${(error as Error).message}`);
  }
  if (lines.length !== manifest.entries) {
    throw new CorruptArchiveError(`${where} holds ${lines.length} entries, its manifest ${manifest.entries}`);
  }
  const codec = codecs[manifest.log];
  const chain = manifest.chain;
  let previous = chain?.head_before;
  const rows = lines.map((line): RestoredRow => {
    const {
      chain_seq: seq,
      chain_prev: prev,
      private_commitment: commitment,
      chain_hash: kept,
      ...entry
    } = line;
    if (seq === undefined || !chain) return { line: entry, seq: null, hash: null, commitment: null };
    if (prev !== undefined) previous = prev;
    const id = entry.id as string;
    const committed =
      commitment ?? (chain.salt ? privateCommitmentHex(chain.salt, id, codec.privateValues(entry)) : null);
    const hash = kept ?? (committed ? nextHeadHex(previous!, codec.canonical(entry, committed)) : null);
    if (!hash) throw new CorruptArchiveError(`${where}: entry ${id} has no commitment to hash`);
    previous = hash;
    return {
      line: entry,
      seq,
      hash: Buffer.from(hash, 'hex'),
      commitment: commitment ? Buffer.from(commitment, 'hex') : null,
    };
  });
  if (chain && previous !== chain.head_after) {
    throw new CorruptArchiveError(`${where}: its entries do not hash to the chain head of its manifest`);
  }
  return { manifest, rows };
}

/**
 * Chain positions `fromSeq..toSeq` of `log` held by archives, in ascending order, a part per page, for
 * the verifier (chain-entry.ts). Each entry's `hash` is recomputed along its part, except the last
 * one's, which is the head the manifest recorded when the part was written: an altered entry then
 * breaks the chain at its part's end, and an altered head before at its start.
 */
export async function* archivedChainPages(
  store: ArchiveStore,
  log: ChainedLog,
  fromSeq: number,
  toSeq: number,
): AsyncGenerator<ChainEntry[]> {
  const parts = (await archiveManifests(store, log))
    .filter((m) => m.chain && m.chain.last_seq >= fromSeq && m.chain.first_seq <= toSeq)
    .sort((a, b) => a.chain!.first_seq - b.chain!.first_seq);
  const codec = codecs[log];
  const entries: ChainEntry[] = [];
  for (const manifest of parts) {
    let part: ArchivePart;
    try {
      part = await readArchivePart(store, manifest);
    } catch (error) {
      if (!(error instanceof CorruptArchiveError)) throw error;
      // A part whose entries no longer match its head still yields them, with the recorded head at
      // its end, so the verifier reports the break where it is.
      part = await readUnchecked(store, manifest);
    }
    const chain = manifest.chain!;
    part.rows.forEach((row, i) => {
      if (row.seq === null || row.seq < fromSeq || row.seq > toSeq) return;
      const last = i === part.rows.length - 1;
      const commitment =
        row.commitment?.toString('hex') ??
        privateCommitmentHex(chain.salt ?? '', row.line.id as string, codec.privateValues(row.line));
      entries.push({
        log,
        seq: row.seq,
        id: row.line.id as string,
        timestamp: codec.timestamp(row.line),
        canonical: codec.canonical(row.line, commitment),
        hash: last ? chain.head_after : row.hash!.toString('hex'),
      });
    });
    entries.sort((a, b) => a.seq - b.seq);
    yield entries.splice(0);
  }
}

/** A part decoded without the chain check, its hashes recomputed from the manifest's head before. */
async function readUnchecked(store: ArchiveStore, manifest: ArchiveManifest): Promise<ArchivePart> {
  const unchained = { ...manifest, chain: undefined };
  const part = await readArchivePart(store, unchained);
  const codec = codecs[manifest.log];
  const chain = manifest.chain!;
  let previous = chain.head_before;
  const lines = parseLines(
    manifest.log,
    (await gunzipAsync((await store.get(manifest.file))!)).toString('utf8'),
  );
  part.rows = lines.map((line) => {
    const {
      chain_seq: seq,
      chain_prev: prev,
      private_commitment: commitment,
      chain_hash: kept,
      ...entry
    } = line;
    if (prev !== undefined) previous = prev;
    const committed =
      commitment ?? privateCommitmentHex(chain.salt ?? '', entry.id as string, codec.privateValues(entry));
    previous = kept ?? nextHeadHex(previous, codec.canonical(entry, committed));
    return {
      line: entry,
      seq: seq ?? null,
      hash: Buffer.from(previous, 'hex'),
      commitment: commitment ? Buffer.from(commitment, 'hex') : null,
    };
  });
  return part;
}

export function archivedChainEntrySource(store: ArchiveStore): ChainEntrySource {
  return { pages: (log, fromSeq, toSeq) => archivedChainPages(store, log, fromSeq, toSeq) };
}

/**
 * The archived entries of `log` with `from <= timestamp <= to`, oldest first, in their shown form
 * (nulls restored). Each part is checked against its manifest first.
 */
export async function* archivedEntries(
  store: ArchiveStore,
  log: ChainedLog,
  from: Date,
  to: Date,
): AsyncGenerator<Record<string, unknown>> {
  const fromText = from.toISOString();
  const toText = to.toISOString();
  const codec = codecs[log];
  for (const manifest of await archiveManifests(store, log)) {
    if (manifest.to < fromText || manifest.from > toText) continue;
    const part = await readArchivePart(store, manifest);
    for (const row of part.rows) {
      const timestamp = codec.timestamp(row.line);
      if (timestamp >= fromText && timestamp <= toText) yield codec.shown(row.line);
    }
  }
}
