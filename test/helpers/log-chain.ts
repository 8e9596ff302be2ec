import type { Db } from '../../src/db/database.js';
import { genesisHead, nextHeadHex, type ChainedLog } from '../../src/logging/integrity/chain.js';
import type { ChainEntry } from '../../src/logging/integrity/chain-entry.js';
import { readChain, readChainHead } from '../../src/logging/integrity/chain-reads.js';
import type { JournalRecord } from '../../src/logging/log-entry.js';

/** A log's chain as the database holds it, and where recomputing it disagrees with what is stored. */
export async function checkChain(db: Db, log: ChainedLog) {
  const head = await readChainHead(db, log);
  const entries: ChainEntry[] = [];
  for await (const entry of readChain(db, log, 1, head.count)) entries.push(entry);
  const mismatches: number[] = [];
  let previous = genesisHead(log).toString('hex');
  for (const entry of entries) {
    const recomputed = nextHeadHex(previous, entry.canonical);
    if (recomputed !== entry.hash) mismatches.push(entry.seq);
    previous = entry.hash;
  }
  return {
    head,
    entries,
    seqs: entries.map((entry) => entry.seq),
    mismatches,
    headMatches: (entries.at(-1)?.hash ?? genesisHead(log).toString('hex')) === head.head,
  };
}

/** 1..n */
export const positions = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

/** A journal record of an API call as the request path writes it. */
export function apiCallRecord(id: string, status: number, i = 0): JournalRecord {
  return {
    log: 'api',
    row: {
      id,
      endpoint: '/api/v1/licenses/validate',
      path: null,
      method: 2,
      status,
      response_time_us: 300 + i,
      ip: `203.0.113.${i % 250}`,
      api_key: null,
      api_key_id: 'key_01jh8v7w9x0y1z2a3b4c5d6e7f',
      request_size: 62,
      response_size: 180,
      user_agent: `KeyManager-SDK/2.${i % 3}.0 Python/3.11`,
      license_key: 'XXXX-XXXX-XXXX-7K2M',
      license_key_hash: 'a4f8d2c1b9e7f6a5d4c3b2a1f0e9d8c7',
      license_id: 'lic_01jh8v7w9x0y1z2a3b4c5d6e7f',
      customer_id: null,
      product_id: 'prd_01jh8v7w9x0y1z2a3b4c5d6e7f',
      channel: 0,
      direction: 0,
      error_code: status >= 400 ? 'ERR_NOT_FOUND' : null,
      error_message: status >= 400 ? 'no such licence' : null,
      stack_trace: null,
      validation_errors: null,
      retry_count: null,
      request_body: null,
      request_body_truncated: null,
    },
  };
}

export function blockedRecord(id: string, i = 0): JournalRecord {
  return {
    log: 'blocked',
    row: {
      id,
      block_reason: 'RATE_LIMIT_EXCEEDED',
      rule_id: null,
      ip: `2001:db8::${i.toString(16)}`,
      method: 1,
      path: '/api/v1/licenses/validate',
      api_key: null,
      user_agent: 'curl/8.4.0',
      country_code: 'DE',
      fingerprint: null,
      threat_score: 40,
      matched_location: null,
    },
  };
}
