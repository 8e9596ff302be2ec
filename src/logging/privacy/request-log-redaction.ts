import type { Executor } from '../../db/database.js';
import { reduceUserAgent, truncateIp } from '../integrity/redaction.js';
import { createDictionary } from '../log-dictionary.js';
import { timestampOfId } from '../log-entry.js';
import { idFromBytes, ipFromStored, storedIp } from '../request-log.codec.js';
import { commitmentToStore, type DaySalts } from './redacted-forms.js';

/** What the privacy job reads of an API call: the stored address and user agent, and the chain columns. */
export interface StoredApiCallPrivacyRow {
  id: Buffer;
  status: number;
  ip: Buffer | null;
  user_agent: string | null;
  chain_seq?: unknown;
  private_commitment?: Buffer | null;
}

export interface StoredBlockedPrivacyRow {
  id: Buffer;
  ip: string | null;
  user_agent: string | null;
  chain_seq?: unknown;
  private_commitment?: Buffer | null;
}

/**
 * API calls: the address is stored again as its network (`203.0.113.0/24`, kept as text by storedIp)
 * and the user agent as its reduced form's dictionary code. Values in the shown forms the chain
 * committed to (apiCallPrivateValues: address, then user agent).
 */
export async function ageOutApiCallRows(
  tx: Executor,
  salts: DaySalts,
  rows: StoredApiCallPrivacyRow[],
): Promise<void> {
  const reduced = rows.map((row) => reduceUserAgent(row.user_agent));
  const codes: (number | null)[] = [];
  // A dictionary per batch: its cache must not outlive the transaction it read codes in.
  await createDictionary('log_user_agents').encode(tx, reduced, codes);
  for (const [i, row] of rows.entries()) {
    const id = idFromBytes('log', row.id);
    const ip = ipFromStored(row.ip);
    const log = row.status >= 400 ? 'failed_api_calls' : 'api_calls';
    const commitment = await commitmentToStore(
      salts,
      log,
      {
        id,
        timestamp: timestampOfId(id),
        chain_seq: row.chain_seq,
        private_commitment: row.private_commitment,
      },
      () => [ip, row.user_agent],
    );
    await tx
      .updateTable('api_call_log')
      .set({ ip: storedIp(truncateIp(ip)), user_agent_id: codes[i]!, private_commitment: commitment })
      .where('id', '=', row.id)
      .execute();
  }
}

/** Blocked requests keep the address as text, and as the network's bytes for the address filters. */
export async function ageOutBlockedRows(
  tx: Executor,
  salts: DaySalts,
  rows: StoredBlockedPrivacyRow[],
): Promise<void> {
  for (const row of rows) {
    const id = idFromBytes('log', row.id);
    const commitment = await commitmentToStore(
      salts,
      'blocked',
      {
        id,
        timestamp: timestampOfId(id),
        chain_seq: row.chain_seq,
        private_commitment: row.private_commitment,
      },
      () => [row.ip, row.user_agent],
    );
    const ip = truncateIp(row.ip);
    await tx
      .updateTable('blocked_log')
      .set({
        ip,
        ip_bytes: ip === null ? null : storedIp(ip.split('/')[0]!),
        user_agent: reduceUserAgent(row.user_agent),
        private_commitment: commitment,
      })
      .where('id', '=', row.id)
      .execute();
  }
}
