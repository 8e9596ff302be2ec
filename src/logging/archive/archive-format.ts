import type { ChainedLog } from '../integrity/chain.js';

/**
 * The archive of one log and UTC day (ADR 0011): gzip-compressed NDJSON, one entry per line in its shown
 * form (the journal's: request-log.codec.ts decoded, dictionary codes replaced by their texts), and a
 * manifest beside it. A day archived in several runs (retention deleting part of a day) has several
 * parts, each with its own manifest; part 1 is `<log>/<day>`, part n `<log>/<day>.<n>`.
 */

export const ARCHIVE_FORMAT = 'keymanager/log-archive/v1';

export interface ArchiveManifest {
  format: typeof ARCHIVE_FORMAT;
  log: ChainedLog;
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  part: number;
  /** Name of the compressed NDJSON file in the store. */
  file: string;
  entries: number;
  /** Bytes of the compressed file. */
  bytes: number;
  /** Hex SHA-256 of the compressed file. */
  sha256: string;
  first_id: string;
  last_id: string;
  /** ISO 8601 UTC: the first and last entry's timestamp. */
  from: string;
  to: string;
  archived_at: string;
  /** Only when the log's rows carry chain columns (ADR 0009). */
  chain?: ArchiveChain;
}

export interface ArchiveChain {
  first_seq: number;
  last_seq: number;
  /** Hex head(first_seq - 1) and head(last_seq): the entries' own hashes are recomputed from these. */
  head_before: string;
  head_after: string;
  /**
   * Hex salt of the day's commitments to personal data, so the entries stay verifiable once the
   * database deletes it; the archive holds the very values it protects, so it adds nothing to them.
   * Absent when the database no longer had it.
   */
  salt?: string;
}

/** One archived entry: the shown form's fields, nulls left out, plus `chain_seq`/`private_commitment`. */
export type ArchiveLine = Record<string, unknown>;

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isDay(text: string): boolean {
  const match = DAY.exec(text);
  if (!match) return false;
  const date = new Date(`${text}T00:00:00.000Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text);
}

export function dayStart(day: string): Date {
  return new Date(`${day}T00:00:00.000Z`);
}

export function nextDay(day: string): string {
  return new Date(dayStart(day).getTime() + 86_400_000).toISOString().slice(0, 10);
}

/** The store name of a part, without extension. */
export function partName(log: ChainedLog, day: string, part: number): string {
  return `${log}/${day}${part > 1 ? `.${part}` : ''}`;
}

export const DATA_SUFFIX = '.ndjson.gz';
export const MANIFEST_SUFFIX = '.manifest.json';

/** `<log>/<day>[.<part>].manifest.json` back to its parts; null for any other name. */
export function parseManifestName(name: string): { log: string; day: string; part: number } | null {
  const match = /^([a-z_]+)\/(\d{4}-\d{2}-\d{2})(?:\.(\d+))?\.manifest\.json$/.exec(name);
  if (!match) return null;
  return { log: match[1]!, day: match[2]!, part: match[3] ? Number(match[3]) : 1 };
}

/** Leaves out null and undefined values: a missing field reads back as null. */
export function withoutNulls(entry: Record<string, unknown>): ArchiveLine {
  const line: ArchiveLine = {};
  for (const key in entry) {
    const value = entry[key];
    if (value !== null && value !== undefined) line[key] = value;
  }
  return line;
}
