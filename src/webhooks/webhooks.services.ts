import type { LogPipeline } from '../logging/log-pipeline.js';
import { createLogIdGenerator } from '../logging/log-entry.js';
import type { LoggingSettingsHolder } from '../logging/logging-settings.js';
import type { CoreDeps } from '../shared/deps.js';
import { createEventDeliveryJob } from './event-delivery.job.js';
import type { EventOutbox } from './event-outbox.js';
import { createLicenseExpiryScan } from './license-expiry-scan.js';
import { createOutgoingCallLog } from './outgoing-call-log.js';
import { createWebhookSender } from './webhook-sender.js';
import { createWebhookRepository } from './webhook.repository.js';
import { createWebhookService } from './webhook.service.js';

/** Event webhooks: endpoints, the signed sender, the expiry scan and the job that sends the outbox. */
export function createWebhooks(
  core: CoreDeps,
  deps: {
    outbox: EventOutbox;
    pipeline: Pick<LogPipeline, 'append'>;
    settings: LoggingSettingsHolder;
    emails: { runOnce(): Promise<number> };
    /** Tests pin the jitter. */
    random?: () => number;
  },
) {
  const { config } = core;
  const repository = createWebhookRepository(core.db, core.database.dialect);
  const timeoutMs = config.events.timeoutSeconds * 1000;
  // A claimed delivery stays claimed a while past its timeout, so no second process sends it meanwhile.
  const leaseMs = timeoutMs * 3;
  const send = createWebhookSender({
    repository,
    clock: core.clock,
    timeoutMs,
    outgoingLog: createOutgoingCallLog({
      nextId: createLogIdGenerator(core.clock),
      settings: deps.settings,
      pipeline: deps.pipeline,
    }),
    random: deps.random,
  });
  const service = createWebhookService(core, { repository, outbox: deps.outbox, send, leaseMs });
  const expiryScan = createLicenseExpiryScan(core, deps.outbox);
  const job = createEventDeliveryJob({
    repository,
    send,
    emails: deps.emails,
    expiryScan,
    clock: core.clock,
    logger: core.logger,
    intervalMs: config.events.deliveryIntervalSeconds * 1000,
    leaseMs,
  });
  return { repository, service, expiryScan, job };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
