import type { KeyObject } from 'node:crypto';
import { genesisHead, type ChainedLog } from './chain.js';
import type { ChainEntry, ChainEntrySource } from './chain-entry.js';
import type { SignedCheckpoint } from './checkpoint.js';
import type { ChainHeadRow } from './checkpoint.repository.js';
import { verifyCheckpointChain } from './verify-checkpoints.js';
import { walkChain, type KnownHead } from './verify-entries.js';
import type { LogSummary, Problem } from './verify-problems.js';

export interface VerifyLogInput {
  log: ChainedLog;
  /** The log's checkpoints, newest first (from the database, or an exported copy). */
  checkpoints: readonly SignedCheckpoint[];
  publicKey: KeyObject;
  /** The chain's head row now; absent when only checkpoints and entries are at hand. */
  head?: ChainHeadRow;
  /** Where the entries are: the database, archives. An entry several of them hold is read once. */
  sources: readonly ChainEntrySource[];
  intervalSeconds: number;
  /**
   * Only the checkpoints from a time range were given: entries are checked from the oldest of them
   * on (rather than from the first entry) and missing older checkpoints are not a problem.
   */
  partial?: boolean;
  now?: Date;
}

/** One source's pages read an entry at a time: `current` is synchronous until a page runs out. */
class PageCursor {
  private page: readonly ChainEntry[] = [];
  private index = 0;
  private done = false;
  private readonly pages: AsyncIterator<readonly ChainEntry[]>;

  constructor(pages: AsyncIterable<readonly ChainEntry[]>) {
    this.pages = pages[Symbol.asyncIterator]();
  }

  get current(): ChainEntry | undefined {
    return this.page[this.index];
  }

  get needsPage(): boolean {
    return !this.done && this.index >= this.page.length;
  }

  async nextPage(): Promise<void> {
    while (this.needsPage) {
      const next = await this.pages.next();
      if (next.done) this.done = true;
      else [this.page, this.index] = [next.value, 0];
    }
  }

  advance(): void {
    this.index++;
  }
}

const MERGED_PAGE = 1024;

/**
 * The entries of every source in chain order, in pages. Sources overlap (an archive restored next to
 * entries still in the database): a position they hold identically is yielded once, different ones both.
 */
export async function* mergedPages(
  sources: readonly ChainEntrySource[],
  log: ChainedLog,
  fromSeq: number,
  toSeq: number,
): AsyncGenerator<readonly ChainEntry[]> {
  if (sources.length === 1) {
    yield* sources[0]!.pages(log, fromSeq, toSeq);
    return;
  }
  const cursors = sources.map((source) => new PageCursor(source.pages(log, fromSeq, toSeq)));
  await Promise.all(cursors.map((cursor) => cursor.nextPage()));
  let out: ChainEntry[] = [];
  for (;;) {
    let entry: ChainEntry | undefined;
    for (const cursor of cursors) {
      const candidate = cursor.current;
      if (candidate && (!entry || candidate.seq < entry.seq)) entry = candidate;
    }
    if (!entry) break;
    out.push(entry);
    for (const cursor of cursors) {
      const other = cursor.current;
      const same =
        other === entry ||
        (other?.seq === entry.seq && other.canonical === entry.canonical && other.hash === entry.hash);
      if (!same) continue;
      cursor.advance();
      if (cursor.needsPage) {
        // What is merged so far goes out first, so a source failing here is reported where it failed.
        if (out.length > 0) yield out;
        out = [];
        await cursor.nextPage();
      }
    }
    if (out.length >= MERGED_PAGE) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}

/** Heads the chain must reach: each trusted checkpoint's, where its kept part starts, and the head row's. */
function knownHeadsOf(
  log: ChainedLog,
  trusted: readonly SignedCheckpoint[],
  head: ChainHeadRow | undefined,
  problems: Problem[],
): Map<number, KnownHead> {
  const known = new Map<number, KnownHead>([[0, { head: genesisHead(log).toString('hex') }]]);
  const add = (seq: number, value: KnownHead) => {
    const found = known.get(seq);
    if (!found) return void known.set(seq, value);
    if (found.head === value.head) return;
    problems.push({
      log,
      kind: 'head_mismatch',
      seq,
      ...(value.checkpoint !== undefined && { checkpoint: value.checkpoint }),
      message: `${value.checkpoint !== undefined ? `checkpoint ${value.checkpoint}` : 'the head row'} records another head at ${seq} than ${found.checkpoint !== undefined ? `checkpoint ${found.checkpoint}` : 'genesis'}`,
    });
  };
  // Oldest first, so a disagreement names the newer checkpoint.
  for (const checkpoint of [...trusted].reverse()) {
    add(checkpoint.count, { head: checkpoint.head, checkpoint: checkpoint.number });
    add(checkpoint.retained_from - 1, { head: checkpoint.retained_after, checkpoint: checkpoint.number });
  }
  if (head) {
    add(head.count, { head: head.head });
    add(head.retained_from - 1, { head: head.retained_after });
  }
  return known;
}

/**
 * Verifies one log: its checkpoints among themselves, then its entries against the heads they sign
 * and the head row. Pure apart from reading the sources; every problem is reported, none stops it.
 */
export async function verifyLog(
  input: VerifyLogInput,
): Promise<{ problems: Problem[]; summary: LogSummary }> {
  const { log, head } = input;
  const chain = verifyCheckpointChain({
    log,
    checkpoints: input.checkpoints,
    publicKey: input.publicKey,
    intervalSeconds: input.intervalSeconds,
    fromFirst: !input.partial,
    ...(input.now && { now: input.now }),
  });
  const problems = [...chain.problems];
  const { trusted } = chain;
  const newest = trusted[0];
  if (head && newest && newest.count > head.count) {
    problems.push({
      log,
      kind: 'tail_truncated',
      seq: head.count + 1,
      toSeq: newest.count,
      checkpoint: newest.number,
      message: `checkpoint ${newest.number} counts ${newest.count} entries, the head row only ${head.count}`,
    });
  }
  const known = knownHeadsOf(log, trusted, head, problems);
  const toSeq = Math.max(head?.count ?? 0, newest?.count ?? 0);
  const retainedFrom = Math.max(head?.retained_from ?? 1, newest?.retained_from ?? 1);
  const oldest = trusted.at(-1);
  const fromSeq = input.partial && oldest ? oldest.count + 1 : 1;
  let entriesChecked = 0;
  if (fromSeq <= toSeq && input.sources.length > 0) {
    const walk = await walkChain({
      log,
      pages: mergedPages(input.sources, log, fromSeq, toSeq),
      fromSeq,
      toSeq,
      retainedFrom,
      startHead: known.get(fromSeq - 1)?.head ?? null,
      knownHeads: known,
    });
    problems.push(...walk.problems);
    entriesChecked = walk.entriesChecked;
  }
  return { problems, summary: { log, entriesChecked, checkpointsChecked: input.checkpoints.length } };
}
