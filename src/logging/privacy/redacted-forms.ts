import { privateCommitmentHex, saltDay, type ChainedLog } from '../integrity/chain.js';
import type { Executor } from '../../db/database.js';

/**
 * The commitment an entry's redaction stores (ADR 0009): the one the chain already holds, computed from
 * the full values with the day's salt. An entry redacted before (an erased admin's entry that later ages
 * out) keeps the commitment it has; one that never joined a chain (written with integrity off) needs none.
 */
export async function commitmentToStore(
  salts: DaySalts,
  log: ChainedLog,
  entry: { id: string; timestamp: string; chain_seq?: unknown; private_commitment?: Uint8Array | null },
  privateValues: () => unknown[],
): Promise<Buffer | null> {
  if (entry.private_commitment) return Buffer.from(entry.private_commitment);
  if (entry.chain_seq === null || entry.chain_seq === undefined) return null;
  const salt = await salts.get(log, saltDay(entry.timestamp));
  // Without its salt the commitment cannot be made again; the entry is left as it is and the
  // verifier reports it, rather than a redaction that would look like tampering.
  if (!salt) return null;
  return Buffer.from(privateCommitmentHex(salt, entry.id, privateValues()), 'hex');
}

/** The secret salts of the days a job touches, read once each (hex; null when the day has none). */
export function createDaySalts(tx: Executor) {
  const known = new Map<string, string | null>();
  return {
    async get(log: ChainedLog, day: string): Promise<string | null> {
      const key = `${log} ${day}`;
      if (!known.has(key)) {
        const row = await tx
          .selectFrom('log_integrity_salts')
          .select('salt')
          .where('log', '=', log)
          .where('day', '=', day)
          .executeTakeFirst();
        known.set(key, row ? Buffer.from(row.salt).toString('hex') : null);
      }
      return known.get(key)!;
    },
  };
}

export type DaySalts = ReturnType<typeof createDaySalts>;
