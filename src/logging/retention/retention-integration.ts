import type { Transaction } from 'kysely';
import type { Executor } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import type { ArchivesService } from '../archive/archives.service.js';
import { moveRetainedStart, readChainHead } from '../integrity/chain-reads.js';
import { idToBytes } from '../request-log.codec.js';
import type { RetainedLog } from './retained-logs.js';
import type { RetentionHooks } from './retention-hooks.js';

/** The chain position of a stored entry; null when it was never chained (written with integrity off). */
async function chainSeqOf(tx: Executor, log: RetainedLog, id: string): Promise<number | null> {
  const row =
    log === 'activity'
      ? await tx.selectFrom('activity_log').select('chain_seq').where('id', '=', id).executeTakeFirst()
      : await tx
          .selectFrom(log === 'blocked' ? 'blocked_log' : 'api_call_log')
          .select('chain_seq')
          .where('id', '=', idToBytes(id))
          .executeTakeFirst();
  return row?.chain_seq === null || row?.chain_seq === undefined ? null : Number(row.chain_seq);
}

/**
 * What retention does beside deleting: archive first (when archives are on), and move each chain's kept
 * start with the deletion, so checkpoints and `logs verify` tell deleted-by-policy from deleted-by-someone.
 */
export function retentionHooks(archives: Pick<ArchivesService, 'enabled' | 'archiveBefore'>): RetentionHooks {
  return {
    async archiveBefore(log, beforeId) {
      if (archives.enabled) await archives.archiveBefore(log, beforeId);
    },
    async onDeleted(executor, log, firstKeptId) {
      const firstKeptSeq =
        firstKeptId === null
          ? (await readChainHead(executor, log)).count + 1
          : await chainSeqOf(executor, log, firstKeptId);
      if (firstKeptSeq === null) return;
      await moveRetainedStart(executor as Transaction<Database>, log, firstKeptSeq);
    },
  };
}
