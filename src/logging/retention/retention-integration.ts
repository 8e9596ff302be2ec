import type { Transaction } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { ArchivesService } from '../archive/archives.service.js';
import { moveRetainedStart } from '../integrity/chain-reads.js';
import type { RetentionHooks } from './retention-hooks.js';

/**
 * What retention does beside deleting: archive first (when archives are on), and move each chain's kept
 * start with the deletion, so checkpoints and `logs verify` tell deleted-by-policy from deleted-by-someone.
 */
export function retentionHooks(archives: Pick<ArchivesService, 'enabled' | 'archiveBefore'>): RetentionHooks {
  return {
    async archiveBefore(log, beforeId) {
      if (archives.enabled) await archives.archiveBefore(log, beforeId);
    },
    async onDeleted(executor, log, _firstKeptId, highestDeletedSeq) {
      if (highestDeletedSeq === null) return;
      await moveRetainedStart(executor as Transaction<Database>, log, highestDeletedSeq + 1);
    },
  };
}
