import type { KeyObject } from 'node:crypto';
import { validationError } from '../../http/errors.js';
import type { Page } from '../../http/pagination.js';
import { CHAINED_LOGS, type ChainedLog } from './chain.js';
import type { ChainEntrySource } from './chain-entry.js';
import type { SignedCheckpoint } from './checkpoint.js';
import type { CheckpointRepository } from './checkpoint.repository.js';
import { verifyLog } from './verify-log.js';
import type { LogSummary, Problem } from './verify-problems.js';

export interface CheckpointQuery {
  log?: ChainedLog;
  from?: string;
  to?: string;
  cursor?: string;
  limit: number;
}

export interface VerifyRequest {
  logs: readonly ChainedLog[];
  from?: string;
  to?: string;
  publicKey: KeyObject;
  /** An exported copy of the checkpoints to verify against instead of the stored ones. */
  copy?: readonly SignedCheckpoint[];
  sources: readonly ChainEntrySource[];
  /**
   * Checkpoints are expected to be current at this instant (a running server): a newest checkpoint
   * older than two intervals is then a gap, as when checkpoints stopped or the newest were removed.
   */
  now?: Date;
}

/** Opaque to clients: the log and number of the last checkpoint of a page. */
function encodeCheckpointCursor(checkpoint: SignedCheckpoint): string {
  return Buffer.from(`${checkpoint.log}:${checkpoint.number}`, 'utf8').toString('base64url');
}

function decodeCheckpointCursor(cursor: string): { log: string; number: number } {
  const match = /^([a-z_]+):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!match || !CHAINED_LOGS.includes(match[1] as ChainedLog)) {
    throw validationError([{ field: 'cursor', message: 'is not a valid cursor' }]);
  }
  return { log: match[1]!, number: Number(match[2]) };
}

/** Dates as stored (ISO 8601 with milliseconds, UTC), so text comparison on SQLite orders them right. */
function instant(field: 'from' | 'to', value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw validationError([{ field, message: 'must be a date-time' }]);
  return new Date(time).toISOString();
}

export function checkRange(from: string | undefined, to: string | undefined) {
  const range = { from: instant('from', from), to: instant('to', to) };
  if (range.from && range.to && range.from > range.to) {
    throw validationError([{ field: 'to', message: 'must not be before from' }]);
  }
  return range;
}

/** Reading and verifying the logs' checkpoints: what the routes and the command line share. */
export function createIntegrityService(deps: { checkpoints: CheckpointRepository; intervalSeconds: number }) {
  const { checkpoints } = deps;

  async function list(query: CheckpointQuery): Promise<Page<SignedCheckpoint>> {
    const range = checkRange(query.from, query.to);
    const rows = await checkpoints.list({
      ...(query.log && { log: query.log }),
      ...range,
      ...(query.cursor !== undefined && { after: decodeCheckpointCursor(query.cursor) }),
      limit: query.limit + 1,
    });
    const data = rows.slice(0, query.limit);
    const last = data.at(-1);
    return { data, next_cursor: rows.length > query.limit && last ? encodeCheckpointCursor(last) : null };
  }

  /** Every checkpoint in the range, by log then newest first, a page at a time. */
  async function* all(query: Omit<CheckpointQuery, 'cursor' | 'limit'>): AsyncGenerator<SignedCheckpoint> {
    let cursor: string | undefined;
    do {
      const page = await list({ ...query, limit: 500, ...(cursor !== undefined && { cursor }) });
      yield* page.data;
      cursor = page.next_cursor ?? undefined;
    } while (cursor !== undefined);
  }

  /**
   * Verifies each log: its checkpoints (stored, or the exported copy), its entries in the sources, and
   * its head row. With `to`, the head row is left out (it is newer than the range); with `from`,
   * entries are checked from the oldest checkpoint in the range on.
   */
  async function verify(request: VerifyRequest): Promise<{ problems: Problem[]; summaries: LogSummary[] }> {
    const range = checkRange(request.from, request.to);
    const problems: Problem[] = [];
    const summaries: LogSummary[] = [];
    for (const log of request.logs) {
      const inRange = (c: SignedCheckpoint) =>
        (!range.from || c.end >= range.from) && (!range.to || c.end <= range.to);
      const list = request.copy
        ? request.copy.filter((c) => c.log === log && inRange(c)).sort((a, b) => b.number - a.number)
        : await collect(all({ log, ...range }));
      const head = range.to ? undefined : await checkpoints.readHead(log);
      const result = await verifyLog({
        log,
        checkpoints: list,
        publicKey: request.publicKey,
        ...(head && { head }),
        sources: request.sources,
        intervalSeconds: deps.intervalSeconds,
        partial: Boolean(range.from),
        ...(request.now && !range.to && { now: request.now }),
      });
      problems.push(...result.problems);
      if (request.copy)
        problems.push(...differencesFromCopy(log, list, await collect(all({ log, ...range }))));
      summaries.push(result.summary);
    }
    return { problems, summaries };
  }

  return { list, all, verify };
}

/**
 * Stored checkpoints the exported copy disagrees with: one re-signed (a re-seal), or one the copy holds
 * and the database no longer does. Newer stored ones the copy does not have yet are not a problem.
 */
function differencesFromCopy(
  log: ChainedLog,
  copy: readonly SignedCheckpoint[],
  stored: readonly SignedCheckpoint[],
): Problem[] {
  const byNumber = new Map(stored.map((c) => [c.number, c]));
  const problems: Problem[] = [];
  for (const kept of copy) {
    const found = byNumber.get(kept.number);
    if (!found) {
      problems.push({
        log,
        kind: 'checkpoint_missing',
        checkpoint: kept.number,
        message: 'in the exported copy but no longer in the database',
      });
    } else if (found.signature !== kept.signature) {
      problems.push({
        log,
        kind: 'checkpoint_invalid',
        checkpoint: kept.number,
        message: 'the database holds another checkpoint under this number than the exported copy',
      });
    }
  }
  return problems;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

export type IntegrityService = ReturnType<typeof createIntegrityService>;
