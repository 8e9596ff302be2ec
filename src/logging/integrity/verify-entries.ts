import { nextHeadHex, type ChainedLog } from './chain.js';
import type { ChainEntry } from './chain-entry.js';
import type { Problem } from './verify-problems.js';

/** A head the chain must reach at a position: signed by a checkpoint, or recorded in the head row. */
export interface KnownHead {
  head: string;
  /** The checkpoint's number; absent for the head row. */
  checkpoint?: number;
}

export interface ChainWalkInput {
  log: ChainedLog;
  /** Positions fromSeq..toSeq in ascending order, in pages (more than one entry per position is a problem). */
  pages: AsyncIterable<readonly ChainEntry[]>;
  fromSeq: number;
  toSeq: number;
  /** Positions below this may be absent: retention deleted them. */
  retainedFrom: number;
  /** head(fromSeq - 1) when known. */
  startHead: string | null;
  knownHeads: ReadonlyMap<number, KnownHead>;
}

export interface ChainWalkResult {
  problems: Problem[];
  entriesChecked: number;
}

/** An entry whose head did not match, judged once the entry after it is seen. */
interface Suspect {
  entry: ChainEntry;
  /** The head before it. */
  before: string;
  /** The entry before it and the head before that one, when it chained. */
  previous: { entry: ChainEntry; before: string } | null;
}

/**
 * Walks one log's entries in chain order, recomputing each head from the previous one (nextHeadHex)
 * and comparing it with the head stored with the entry and with the heads checkpoints signed. An entry
 * that does not chain is judged by the next one: if that one chains from the stored head the entry
 * was modified; if it chains from the head before, the entry was inserted (or, when it chains back to
 * the entry, the two were swapped). After a problem the walk continues from the stored head, so one
 * change is reported once, not as every entry after it.
 */
export async function walkChain(input: ChainWalkInput): Promise<ChainWalkResult> {
  const { log, knownHeads, retainedFrom, toSeq } = input;
  const problems: Problem[] = [];
  const report = (kind: Problem['kind'], entry: ChainEntry, message: string) =>
    problems.push({ log, kind, seq: entry.seq, id: entry.id, message });
  let running: string | null = input.startHead;
  let expected = input.fromSeq;
  let previous: ChainEntry | null = null;
  let suspect: Suspect | null = null;
  let checked = 0;
  // After an adjacent swap, the head the next entry chains from is that of the second of the pair.
  let headAfterSwap: string | null = null;
  // The head before the previous entry: an entry that chains from it makes the previous one inserted.
  let previousBefore: string | null = null;

  const deleted = (from: number, to: number) => {
    const first = Math.max(from, retainedFrom);
    if (to < first) return;
    problems.push({
      log,
      kind: 'entry_deleted',
      seq: first,
      toSeq: to,
      message: first === to ? `entry ${first} is missing` : `entries ${first} to ${to} are missing`,
    });
  };

  /** A suspect with no entry after it to judge by: modified, unless it chains past the one before. */
  const judgeAlone = ({ entry, previous: forged }: Suspect) => {
    if (forged && nextHeadHex(forged.before, entry.canonical) === entry.hash) {
      report(
        'entry_inserted',
        forged.entry,
        'the chain does not hold it: the entries around it chain past it',
      );
    } else {
      report('entry_modified', entry, 'its content does not hash to the head stored with it');
    }
  };

  try {
    for await (const page of input.pages) {
      for (const entry of page) {
        checked++;
        if (
          typeof entry.canonical !== 'string' ||
          typeof entry.hash !== 'string' ||
          !Number.isSafeInteger(entry.seq)
        ) {
          report('entry_unreadable', entry, 'the entry lacks its canonical form, head or position');
          continue;
        }
        if (entry.log !== log) {
          report('entry_inserted', entry, `an entry of log ${entry.log} among this log's entries`);
          continue;
        }
        if (entry.seq < expected) {
          if (previous && entry.seq === previous.seq) {
            const same = entry.canonical === previous.canonical && entry.hash === previous.hash;
            report(
              same ? 'entry_duplicated' : 'entry_inserted',
              entry,
              same
                ? `entry ${entry.seq} appears twice`
                : `a second, different entry at position ${entry.seq}`,
            );
          } else {
            report('entry_reordered', entry, `entry ${entry.seq} comes after entry ${previous?.seq ?? '?'}`);
          }
          continue;
        }
        if (entry.seq > expected) {
          deleted(expected, entry.seq - 1);
          if (suspect) judgeAlone(suspect);
          suspect = null;
          running = knownHeads.get(entry.seq - 1)?.head ?? null;
          expected = entry.seq;
          headAfterSwap = null;
        }
        if (suspect) {
          const { entry: earlier, before }: Suspect = suspect;
          const { previous: forged }: Suspect = suspect;
          suspect = null;
          if (nextHeadHex(earlier.hash, entry.canonical) === entry.hash) {
            judgeAlone({ entry: earlier, before, previous: forged });
          } else if (nextHeadHex(before, entry.canonical) === entry.hash) {
            if (nextHeadHex(entry.hash, earlier.canonical) === earlier.hash) {
              report('entry_reordered', earlier, `entries ${earlier.seq} and ${entry.seq} were swapped`);
              headAfterSwap = earlier.hash;
            } else {
              report('entry_inserted', earlier, 'the chain does not hold it: the next entry chains past it');
            }
            running = before;
          } else {
            report(
              'entry_modified',
              earlier,
              'it does not chain from the entry before it (changed, or moved here)',
            );
          }
        }
        if (running === null) {
          previousBefore = null;
          // The first entry after a deleted stretch with no signed head: its own head is taken as given.
          running = entry.hash;
        } else {
          const computed = nextHeadHex(running, entry.canonical);
          if (computed !== entry.hash) {
            const chainedPrevious = previous && previousBefore !== null && previous.seq === entry.seq - 1;
            suspect = {
              entry,
              before: running,
              previous: chainedPrevious ? { entry: previous!, before: previousBefore! } : null,
            };
          }
          previousBefore = running;
          running = headAfterSwap ?? entry.hash;
          headAfterSwap = null;
        }
        if (entry.seq > toSeq)
          report('entry_inserted', entry, `position ${entry.seq} is past the chain's count ${toSeq}`);
        const known = knownHeads.get(entry.seq);
        if (known && known.head !== running) {
          problems.push({
            log,
            kind: 'head_mismatch',
            seq: entry.seq,
            ...(known.checkpoint !== undefined && { checkpoint: known.checkpoint }),
            message:
              known.checkpoint !== undefined
                ? `the entries up to ${entry.seq} hash to another head than checkpoint ${known.checkpoint} signed`
                : `the entries up to ${entry.seq} hash to another head than the head row records`,
          });
        }
        expected = entry.seq + 1;
        previous = entry;
      }
    }
  } catch (error) {
    problems.push({
      log,
      kind: 'entry_unreadable',
      seq: expected,
      message: `reading stopped at entry ${expected}: ${(error as Error).message.split('\n')[0]}`,
    });
    return { problems, entriesChecked: checked };
  }
  if (suspect) judgeAlone(suspect);
  if (expected <= toSeq) {
    const first = Math.max(expected, retainedFrom);
    if (first <= toSeq) {
      problems.push({
        log,
        kind: 'tail_truncated',
        seq: first,
        toSeq,
        message: `the chain counts ${toSeq} entries; entries ${first} to ${toSeq} are missing`,
      });
    }
  }
  return { problems, entriesChecked: checked };
}
