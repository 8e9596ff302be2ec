import { parseJson } from '../db/json.js';
import type { Clock } from '../shared/clock.js';
import { retryDelayMs, type BackoffPolicy } from '../shared/backoff.js';
import type { EmailTemplateKind } from './email-template-kinds.js';
import type { EmailTemplateService } from './email-template.service.js';
import type { EmailNotificationRepository } from './email-notification.repository.js';
import type { Mailer } from './mailer.js';

const BATCH = 20;
const LEASE_MS = 5 * 60_000;
const EMAIL_BACKOFF: BackoffPolicy = { baseMs: 30_000, maxMs: 3_600_000 };

export interface EmailSenderDeps {
  repository: EmailNotificationRepository;
  templates: EmailTemplateService;
  mailer: Mailer;
  clock: Clock;
  maxAttempts: number;
  /** The full licence key, for the one template that carries it (license_issued). */
  keyOf(licenseId: string): Promise<string | null>;
  random?: () => number;
}

/**
 * Sends queued licence emails. Without an SMTP server they are recorded `not_sent`; a failure is
 * retried with backoff, then recorded `failed`. The error kept is the mailer's, which never quotes
 * the SMTP URL or its password.
 */
export function createEmailSender(deps: EmailSenderDeps) {
  const random = deps.random ?? Math.random;

  return {
    /** Sends what is due; returns how many emails were handled. */
    async runOnce(): Promise<number> {
      const now = deps.clock.now();
      const due = await deps.repository.claimDue(
        now.toISOString(),
        new Date(now.getTime() + LEASE_MS).toISOString(),
        BATCH,
      );
      for (const email of due) {
        const attempts = email.attempts + 1;
        if (!deps.mailer.enabled) {
          await deps.repository.record(email.id, {
            state: 'not_sent',
            attempts: email.attempts,
            next_attempt_at: null,
            error: 'No SMTP server is configured (KM_SMTP_URL).',
            sent_at: null,
          });
          continue;
        }
        try {
          const variables = parseJson<Record<string, string>>(email.variables);
          if (email.kind === 'license_issued' && email.license_id) {
            variables.license_key = (await deps.keyOf(email.license_id)) ?? '';
          }
          const rendered = await deps.templates.renderEmail(email.kind as EmailTemplateKind, variables);
          await deps.mailer.send({
            to: email.recipient,
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
          });
          await deps.repository.record(email.id, {
            state: 'sent',
            attempts,
            next_attempt_at: null,
            error: null,
            sent_at: deps.clock.now().toISOString(),
          });
        } catch (error) {
          const giveUp = attempts >= deps.maxAttempts;
          const at = deps.clock.now().getTime();
          await deps.repository.record(email.id, {
            state: giveUp ? 'failed' : 'pending',
            attempts,
            next_attempt_at: giveUp
              ? null
              : new Date(at + retryDelayMs(attempts, EMAIL_BACKOFF, random)).toISOString(),
            error: (error as Error).message.slice(0, 500),
            sent_at: null,
          });
        }
      }
      return due.length;
    },
  };
}
