import type { Transaction } from 'kysely';
import type { ChainColumns, Database } from '../../db/schema.js';
import { appendToChain, createSaltCache, lockChainHead } from './chain-append.js';
import {
  activityPrivateValues,
  canonicalActivity,
  privateCommitmentHex,
  saltDay,
  type ActivityChainFields,
} from './chain.js';

/** An activity entry with its final values, `details` as the JSON text the row stores. */
export type ActivityChainInput = Omit<ActivityChainFields, 'details'> & { details: string };

/**
 * Chains activity entries (ADR 0009). An entry joins the chain when it takes its final form, in the
 * transaction that writes it: the success entry as the action commits, a failure entry in the small
 * transaction that inserts it. The pending entry an action starts with is never seen by anyone else,
 * so it is not chained. One per database: it remembers the day salts.
 */
export function createActivityChainer() {
  const salts = createSaltCache();

  return {
    /** The chain columns to store with `entry` (its place after the head this transaction now holds). */
    async chain(tx: Transaction<Database>, entry: ActivityChainInput): Promise<Required<ChainColumns>> {
      const head = await lockChainHead(tx, 'activity');
      const day = saltDay(entry.timestamp);
      const salt = (await salts.salts(tx, 'activity', [day])).get(day)!;
      // The shown form of details is what the row's JSON text parses to, on either store.
      const fields: ActivityChainFields = { ...entry, details: JSON.parse(entry.details) as unknown };
      const commitment = privateCommitmentHex(salt, entry.id, activityPrivateValues(fields));
      const run = await appendToChain(
        tx,
        'activity',
        head,
        [entry.id],
        [canonicalActivity(fields, commitment)],
      );
      return {
        chain_seq: run.first,
        chain_hash: Buffer.from(run.hashes[0]!, 'hex'),
        private_commitment: null,
      };
    },
  };
}

export type ActivityChainer = ReturnType<typeof createActivityChainer>;
