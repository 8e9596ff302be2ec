import type { KeyObject } from 'node:crypto';
import type { ChainedLog } from './chain.js';
import { checkpointSignatureValid, keyId, type SignedCheckpoint } from './checkpoint.js';
import type { Problem } from './verify-problems.js';

export interface CheckpointChainInput {
  log: ChainedLog;
  /** The log's checkpoints, newest first. */
  checkpoints: readonly SignedCheckpoint[];
  publicKey: KeyObject;
  /** The interval checkpoints are written at; consecutive ones further apart than two are a gap. */
  intervalSeconds: number;
  /** The oldest checkpoint given should be number 1 (nothing before it was left out on purpose). */
  fromFirst: boolean;
  /** When given, a newest checkpoint older than two intervals is a gap too (checkpoints stopped). */
  now?: Date;
}

/**
 * Checks the checkpoints of one log among themselves, newest to oldest: each signature, the numbers
 * (a missing one), the links to the previous signature, end times and counts that only grow, and the
 * time between them. Returns the problems and the checkpoints whose signature holds (only those are
 * trusted to vouch for the entries).
 */
export function verifyCheckpointChain(input: CheckpointChainInput): {
  problems: Problem[];
  trusted: SignedCheckpoint[];
} {
  const { log, checkpoints, publicKey } = input;
  const problems: Problem[] = [];
  const trusted: SignedCheckpoint[] = [];
  const limitMs = 2 * input.intervalSeconds * 1000;
  const expectedKey = keyId(publicKey);
  const report = (checkpoint: SignedCheckpoint, kind: Problem['kind'], message: string) =>
    problems.push({ log, kind, checkpoint: checkpoint.number, message });

  const newest = checkpoints[0];
  if (newest && input.now && input.now.getTime() - Date.parse(newest.end) > limitMs) {
    report(newest, 'checkpoint_gap', `the newest checkpoint ends ${newest.end}, more than two intervals ago`);
  }
  for (const [i, checkpoint] of checkpoints.entries()) {
    if (checkpoint.log !== log) {
      report(checkpoint, 'checkpoint_out_of_order', `belongs to log ${checkpoint.log}`);
      continue;
    }
    if (checkpoint.key !== expectedKey) {
      report(checkpoint, 'checkpoint_invalid', `signed by key ${checkpoint.key}, not by ${expectedKey}`);
    } else if (!checkpointSignatureValid(checkpoint, publicKey)) {
      report(checkpoint, 'checkpoint_invalid', 'the signature does not verify');
    } else {
      trusted.push(checkpoint);
    }
    const older = checkpoints[i + 1];
    if (!older) {
      if (input.fromFirst && checkpoint.number > 1) {
        problems.push({
          log,
          kind: 'checkpoint_missing',
          checkpoint: 1,
          message: `checkpoints 1 to ${checkpoint.number - 1} are missing`,
        });
      }
      if (checkpoint.number === 1 && checkpoint.previous !== null) {
        report(checkpoint, 'checkpoint_out_of_order', 'the first checkpoint links to a previous one');
      }
      continue;
    }
    linkProblems(checkpoint, older, limitMs, report, problems, log);
  }
  return { problems, trusted };
}

function linkProblems(
  newer: SignedCheckpoint,
  older: SignedCheckpoint,
  limitMs: number,
  report: (checkpoint: SignedCheckpoint, kind: Problem['kind'], message: string) => void,
  problems: Problem[],
  log: ChainedLog,
): void {
  if (newer.number <= older.number) {
    report(newer, 'checkpoint_out_of_order', `comes after checkpoint ${older.number}`);
    return;
  }
  if (newer.number > older.number + 1) {
    const first = older.number + 1;
    const last = newer.number - 1;
    problems.push({
      log,
      kind: 'checkpoint_missing',
      checkpoint: first,
      message:
        first === last ? `checkpoint ${first} is missing` : `checkpoints ${first} to ${last} are missing`,
    });
  } else if (newer.previous !== older.signature) {
    report(newer, 'checkpoint_out_of_order', `does not link to the signature of checkpoint ${older.number}`);
  }
  const newerEnd = Date.parse(newer.end);
  const olderEnd = Date.parse(older.end);
  if (newerEnd < olderEnd) {
    report(
      newer,
      'checkpoint_out_of_order',
      `ends ${newer.end}, before checkpoint ${older.number} (${older.end})`,
    );
  } else if (newerEnd - olderEnd > limitMs) {
    report(
      newer,
      'checkpoint_gap',
      `${Math.round((newerEnd - olderEnd) / 1000)} s after checkpoint ${older.number}: more than two intervals`,
    );
  }
  if (newer.count < older.count) {
    report(
      newer,
      'checkpoint_out_of_order',
      `counts ${newer.count} entries, fewer than checkpoint ${older.number} (${older.count})`,
    );
  }
  if (newer.retained_from < older.retained_from) {
    report(
      newer,
      'checkpoint_out_of_order',
      `keeps entries from ${newer.retained_from}, before checkpoint ${older.number} (${older.retained_from})`,
    );
  }
}
