import { genesisHead, nextHeadHex, type ChainedLog } from '../../src/logging/integrity/chain.js';
import type { ChainEntry, ChainEntrySource } from '../../src/logging/integrity/chain-entry.js';

/** A log's chain built from canonical forms, as a source would read it back. */
export function chainOf(
  log: ChainedLog,
  canonicals: readonly string[],
  startMs = Date.UTC(2026, 0, 1),
): ChainEntry[] {
  let head = genesisHead(log).toString('hex');
  return canonicals.map((canonical, i) => {
    head = nextHeadHex(head, canonical);
    const timestamp = new Date(startMs + i * 1000).toISOString();
    return {
      log,
      seq: i + 1,
      id: `log_${String(i + 1).padStart(26, '0')}`,
      timestamp,
      canonical,
      hash: head,
    };
  });
}

/**
 * Entries held in memory, yielded in the order they are kept (a tampered copy may hold them out of
 * order), limited to the asked range as a database source would be.
 */
export function arraySource(entries: readonly ChainEntry[]): ChainEntrySource {
  return {
    async *entries(log, fromSeq, toSeq) {
      for (const entry of entries) {
        if (entry.log === log && entry.seq >= fromSeq && entry.seq <= toSeq) yield entry;
      }
    },
  };
}
