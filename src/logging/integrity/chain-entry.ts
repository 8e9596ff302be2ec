import type { ChainedLog } from './chain.js';

/**
 * One entry of a log's hash chain as verification sees it, wherever it is kept: in the database
 * (chain-reads.ts) or in an archive (logging/archive). The verifier recomputes `hash` from the previous
 * entry's `hash` and `canonical` (chain.ts), so the two sources only have to agree on this shape.
 */
export interface ChainEntry {
  log: ChainedLog;
  /** Position in the log's chain, from 1. */
  seq: number;
  /** The `log_…` / `act_…` id as shown in the API. */
  id: string;
  /** ISO 8601 UTC with milliseconds. */
  timestamp: string;
  /** canonicalApiCall / canonicalBlocked / canonicalActivity of the entry as stored now. */
  canonical: string;
  /** Hex head(seq) as stored with the entry. */
  hash: string;
}

/**
 * Chain positions `fromSeq..toSeq` (inclusive) of one log that a source holds, in ascending order, a
 * page at a time: verification goes through millions, and one await per page rather than per entry is
 * a large part of its speed.
 */
export interface ChainEntrySource {
  pages(log: ChainedLog, fromSeq: number, toSeq: number): AsyncIterable<readonly ChainEntry[]>;
}
