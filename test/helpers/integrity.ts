import { expect } from 'vitest';
import { CHAINED_LOGS } from '../../src/logging/integrity/chain.js';
import type { TestContext } from './app.js';
import { checkChain, positions } from './log-chain.js';

/** Every log's chain, recomputed from the entries as stored now, matches its stored hashes and head. */
export async function expectChainsIntact(t: TestContext): Promise<void> {
  await t.services.requestLogs.flush();
  for (const log of CHAINED_LOGS) {
    const chain = await checkChain(t.services.core.db, log);
    expect(chain.mismatches, `${log}: entries whose hash no longer recomputes`).toEqual([]);
    expect(chain.headMatches, `${log}: head`).toBe(true);
    expect(chain.seqs, `${log}: positions`).toEqual(positions(chain.head.count));
  }
}
