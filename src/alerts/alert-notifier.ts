import type { FastifyBaseLogger } from 'fastify';
import type { Mailer } from '../notifications/mailer.js';
import { retryDelayMs, type BackoffPolicy } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import { signatureHeaders } from '../shared/hmac-signature.js';
import { formatAlertEmail, type AlertEmail, type AlertEvent } from './alert-email.js';
import type { AlertView } from './alert.schemas.js';
import type { AlertRepository, NotificationRecord } from './alert.repository.js';

export interface NotifierOptions {
  repository: AlertRepository;
  mailer: Mailer;
  clock: Clock;
  logger: Pick<FastifyBaseLogger, 'warn'>;
  sleep: (ms: number) => Promise<void>;
  /** Webhook attempts per notification, the first included. */
  webhookAttempts?: number;
  webhookTimeoutMs?: number;
  backoff?: BackoffPolicy;
  random?: () => number;
  /**
   * The `alert` email template once an admin has edited it (null while the shipped default is in
   * place, whose place the detailed format of alert-email.ts takes).
   */
  editedTemplate?: (variables: Record<string, string>) => Promise<AlertEmail | null>;
}

export interface WebhookPayload {
  event: `alert.${AlertEvent}`;
  sent_at: string;
  alert: AlertView;
}

type Outcome = Pick<NotificationRecord, 'status' | 'attempts' | 'response_status' | 'error'>;

/** A failure as stored and shown: never the URL's credentials, never the secret, one short line. */
function describe(error: unknown): string {
  const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return 'timed out';
  if (e?.cause?.code) return `connection failed: ${e.cause.code}`;
  // fetch's own refusals (a port browsers never call, a malformed answer) say why in the cause's message.
  if (e?.cause?.message) return `connection failed: ${e.cause.message.split('\n')[0]!.slice(0, 200)}`;
  return (e?.message ?? 'unknown error').split('\n')[0]!.slice(0, 300);
}

/**
 * Sends an alert's notifications and records each attempt's result on its notification row. Nothing
 * here throws: a notification that cannot be sent is stored as failed (or not sent, without SMTP), and
 * the evaluation that asked for it carries on.
 */
export function createAlertNotifier(options: NotifierOptions) {
  const { repository, mailer, clock, logger, sleep } = options;
  const attempts = options.webhookAttempts ?? 4;
  const timeoutMs = options.webhookTimeoutMs ?? 5_000;

  async function email(n: NotificationRecord, alert: AlertView): Promise<Outcome> {
    if (!mailer.enabled)
      return {
        status: 'not_sent',
        attempts: 0,
        response_status: null,
        error: 'No SMTP server is configured (KM_SMTP_URL).',
      };
    try {
      const message =
        (await options.editedTemplate?.({
          rule_name: alert.rule_name,
          severity: alert.severity,
          state: alert.state,
          summary: alert.summary,
          fired_at: alert.started_at,
        })) ?? formatAlertEmail(alert, n.event as AlertEvent);
      await mailer.send({ to: n.target.split(',').map((s) => s.trim()), ...message });
      return { status: 'sent', attempts: 1, response_status: null, error: null };
    } catch (error) {
      return { status: 'failed', attempts: 1, response_status: null, error: describe(error) };
    }
  }

  async function webhook(n: NotificationRecord, alert: AlertView, ruleId: string): Promise<Outcome> {
    const secret = await repository.webhookSecret(ruleId);
    if (!secret)
      return {
        status: 'not_sent',
        attempts: 0,
        response_status: null,
        error: 'The rule has no webhook secret.',
      };
    const payload: WebhookPayload = {
      event: `alert.${n.event as AlertEvent}`,
      sent_at: clock.now().toISOString(),
      alert,
    };
    const body = JSON.stringify(payload);
    let last: Outcome = { status: 'failed', attempts: 0, response_status: null, error: null };
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (attempt > 1) await sleep(retryDelayMs(attempt - 1, options.backoff, options.random));
      try {
        // Signed at each attempt: a retry carries a fresh timestamp the receiver's replay window accepts.
        const response = await fetch(n.target, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...signatureHeaders(secret, body, clock.now()) },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(timeoutMs),
        });
        await response.body?.cancel();
        if (response.ok)
          return { status: 'sent', attempts: attempt, response_status: response.status, error: null };
        last = {
          status: 'failed',
          attempts: attempt,
          response_status: response.status,
          error: `answered ${response.status}`,
        };
        // A client error other than a timeout or rate limit will not change on retry.
        if (response.status < 500 && response.status !== 408 && response.status !== 429) return last;
      } catch (error) {
        last = { status: 'failed', attempts: attempt, response_status: null, error: describe(error) };
      }
    }
    return last;
  }

  return {
    async deliver(n: NotificationRecord, alert: AlertView, ruleId: string): Promise<Outcome> {
      let outcome: Outcome;
      try {
        outcome = n.channel === 'email' ? await email(n, alert) : await webhook(n, alert, ruleId);
      } catch (error) {
        outcome = { status: 'failed', attempts: 1, response_status: null, error: describe(error) };
      }
      try {
        await repository.finishNotification(n.id, { ...outcome, completed_at: clock.now().toISOString() });
      } catch (error) {
        logger.warn({ err: error, notification: n.id }, 'alert notification result not stored');
      }
      if (outcome.status === 'failed')
        logger.warn(
          { notification: n.id, channel: n.channel, error: outcome.error },
          'alert notification failed',
        );
      return outcome;
    },
  };
}

export type AlertNotifier = ReturnType<typeof createAlertNotifier>;
