import type { ChainedLog } from './chain.js';

/**
 * What verification can find wrong (ADR 0009), each reported with its place:
 * - `entry_modified`: an entry's content no longer hashes to the head stored with it.
 * - `entry_inserted`: an entry the chain does not hold (the next entry chains past it).
 * - `entry_deleted`: positions missing inside the kept part of the chain.
 * - `entry_reordered`: an entry found at another position than the one the chain gave it.
 * - `entry_duplicated`: the same position twice.
 * - `entry_unreadable`: an entry (or a whole source) that could not be read.
 * - `tail_truncated`: the log holds fewer entries than a checkpoint or the head row counts.
 * - `head_mismatch`: the entries recompute to another head than a checkpoint or the head row records
 *   (the chain was rewritten from some entry on).
 * - `checkpoint_missing`: a gap in the checkpoints' numbers.
 * - `checkpoint_invalid`: a checkpoint whose signature does not verify with the public key.
 * - `checkpoint_out_of_order`: numbers, end times, counts or the link to the previous signature disagree.
 * - `checkpoint_gap`: consecutive checkpoints (or the newest and now) more than two intervals apart:
 *   the server was down, or checkpoints were removed.
 */
export const PROBLEM_KINDS = [
  'entry_modified',
  'entry_inserted',
  'entry_deleted',
  'entry_reordered',
  'entry_duplicated',
  'entry_unreadable',
  'tail_truncated',
  'head_mismatch',
  'checkpoint_missing',
  'checkpoint_invalid',
  'checkpoint_out_of_order',
  'checkpoint_gap',
] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface Problem {
  log: ChainedLog;
  kind: ProblemKind;
  /** Chain position the problem is at (the first of a range). */
  seq?: number;
  /** Last position of a range (deleted or truncated entries). */
  toSeq?: number;
  /** The entry's `log_…` / `act_…` id when one was read. */
  id?: string;
  /** The checkpoint's number. */
  checkpoint?: number;
  message: string;
}

export interface LogSummary {
  log: ChainedLog;
  entriesChecked: number;
  checkpointsChecked: number;
}

/** One line per problem: `<log> <kind> <place>: <message>`. */
export function problemLine(problem: Problem): string {
  const place = [
    problem.seq !== undefined &&
      `seq ${problem.seq}${problem.toSeq !== undefined && problem.toSeq !== problem.seq ? `-${problem.toSeq}` : ''}`,
    problem.id && `id ${problem.id}`,
    problem.checkpoint !== undefined && `checkpoint ${problem.checkpoint}`,
  ]
    .filter(Boolean)
    .join(' ');
  return `${problem.log} ${problem.kind}${place ? ` ${place}` : ''}: ${problem.message}`;
}
