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
 * Entries held in memory, handed over in the order they are kept (a tampered copy may hold them out of
 * order), limited to the asked range as a database source would be, in pages of `pageSize` so the
 * verifier's page boundaries fall among them.
 */
export function arraySource(entries: readonly ChainEntry[], pageSize = 7): ChainEntrySource {
  return {
    async *pages(log, fromSeq, toSeq) {
      const asked = entries.filter(
        (entry) => entry.log === log && entry.seq >= fromSeq && entry.seq <= toSeq,
      );
      for (let i = 0; i < asked.length; i += pageSize) yield asked.slice(i, i + pageSize);
    },
  };
}
