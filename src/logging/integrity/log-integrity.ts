import type { CoreDeps } from '../../shared/deps.js';
import { createCheckpointJob } from './checkpoint.job.js';
import { createCheckpointRepository } from './checkpoint.repository.js';
import { createIntegrityService } from './integrity.service.js';
import { loadSigningKey, type SigningKey } from './signing-key.js';

/**
 * The logs' tamper evidence: the signing key, the checkpoint job and the stored checkpoints. The key is
 * loaded before anything else opens, so a bad KM_SIGNING_KEY stops start-up at once.
 */
export function createLogIntegrity(core: CoreDeps, key: SigningKey = loadSigningKey(core.config)) {
  const checkpoints = createCheckpointRepository(core.db);
  const job = createCheckpointJob({
    db: core.db,
    checkpoints,
    key,
    clock: core.clock,
    logger: core.logger,
    intervalSeconds: core.config.integrity.checkpointIntervalSeconds,
  });
  const service = createIntegrityService({
    checkpoints,
    intervalSeconds: core.config.integrity.checkpointIntervalSeconds,
  });
  return { key, checkpoints, job, service };
}

export type LogIntegrity = ReturnType<typeof createLogIntegrity>;
