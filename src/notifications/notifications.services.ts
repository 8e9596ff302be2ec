import type { CoreDeps } from '../shared/deps.js';
import type { EventOutbox } from '../webhooks/event-outbox.js';
import { createEmailNotificationRepository } from './email-notification.repository.js';
import { createEmailSender } from './email-notification.sender.js';
import { createEmailTemplateService } from './email-template.service.js';
import { licenseEmailListener } from './license-emails.js';
import { createMailer } from './mailer.js';

/** Email: the one mailer, the templates, and licence notification emails queued through the outbox. */
export function createNotifications(
  core: CoreDeps,
  deps: { outbox: EventOutbox; keyOf(licenseId: string): Promise<string | null> },
) {
  const mailer = createMailer(core.config.smtp);
  const templates = createEmailTemplateService(core);
  const emails = createEmailNotificationRepository(core.db, core.database.dialect);
  deps.outbox.listen(licenseEmailListener(core));
  const sender = createEmailSender({
    repository: emails,
    templates,
    mailer,
    clock: core.clock,
    maxAttempts: core.config.events.maxAttempts,
    keyOf: deps.keyOf,
  });
  return {
    mailer,
    templates,
    /** Alerts render their emails with this (kind `alert`). */
    renderEmail: templates.renderEmail,
    emails,
    sender,
    close: () => mailer.close(),
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
