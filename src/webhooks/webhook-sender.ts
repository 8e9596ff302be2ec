import { parseJson } from '../db/json.js';
import type { WebhookDeliveryTable } from '../db/schema.js';
import { retryDelayMs, type BackoffPolicy } from '../shared/backoff.js';
import type { Clock } from '../shared/clock.js';
import { signatureHeaders } from '../shared/hmac-signature.js';
import type { OutgoingCallLog } from './outgoing-call-log.js';
import type { EventPayload } from './webhook-events.js';
import type { ClaimedDelivery, WebhookRepository } from './webhook.repository.js';

export const WEBHOOK_USER_AGENT = 'KeyManager-Webhooks/1';
/** Retry n waits up to min(1 h, 10 s · 2^(n-1)), full jitter (shared/backoff.ts). */
export const WEBHOOK_BACKOFF: BackoffPolicy = { baseMs: 10_000, maxMs: 3_600_000 };
/** Receivers' answers are not kept; this much is read so the connection can be reused. */
const RESPONSE_READ_LIMIT = 64 * 1024;

type Outcome = Pick<
  WebhookDeliveryTable,
  'state' | 'response_status' | 'response_time_ms' | 'error' | 'next_attempt_at' | 'delivered_at'
>;

/** What becomes of a delivery after attempt number `attempt`: delivered, retried later, or given up. */
export function afterAttempt(input: {
  attempt: number;
  maxAttempts: number;
  giveUpAt: string;
  now: Date;
  ok: boolean;
  random: () => number;
}): Pick<Outcome, 'state' | 'next_attempt_at' | 'delivered_at'> {
  if (input.ok) return { state: 'delivered', next_attempt_at: null, delivered_at: input.now.toISOString() };
  const next = new Date(input.now.getTime() + retryDelayMs(input.attempt, WEBHOOK_BACKOFF, input.random));
  if (input.attempt >= input.maxAttempts || next.toISOString() > input.giveUpAt) {
    return { state: 'failed', next_attempt_at: null, delivered_at: null };
  }
  return { state: 'pending', next_attempt_at: next.toISOString(), delivered_at: null };
}

export function payloadOf(delivery: ClaimedDelivery): EventPayload {
  return {
    id: delivery.event_id,
    type: delivery.event_type,
    created_at: delivery.event_created_at,
    data: parseJson(delivery.event_data),
  };
}

interface PostResult {
  status: number | null;
  responseSize: number;
  error: { code: string; message: string } | null;
}

async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number) {
  try {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      // A redirect is an answer, not a delivery: following it could send the event somewhere else.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    let responseSize = 0;
    if (response.body) {
      for await (const chunk of response.body) {
        responseSize += (chunk as Uint8Array).length;
        if (responseSize > RESPONSE_READ_LIMIT) break;
      }
    }
    const ok = response.status >= 200 && response.status < 300;
    return {
      status: response.status,
      responseSize,
      error: ok
        ? null
        : { code: 'WEBHOOK_HTTP_ERROR', message: `The receiver answered HTTP ${response.status}.` },
    } satisfies PostResult;
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError') {
      return {
        status: null,
        responseSize: 0,
        error: { code: 'WEBHOOK_TIMEOUT', message: `No answer within ${timeoutMs / 1000} s.` },
      } satisfies PostResult;
    }
    // fetch's own message is "fetch failed"; the cause names the network error (ECONNREFUSED …).
    const cause = (error as { cause?: { code?: unknown } }).cause;
    const code = typeof cause?.code === 'string' ? cause.code : 'network error';
    return {
      status: null,
      responseSize: 0,
      error: { code: 'WEBHOOK_UNREACHABLE', message: `The receiver could not be reached (${code}).` },
    } satisfies PostResult;
  }
}

export interface WebhookSenderDeps {
  repository: WebhookRepository;
  clock: Clock;
  timeoutMs: number;
  outgoingLog: OutgoingCallLog;
  random?: () => number;
}

/** Sends one claimed delivery, signed, and records the attempt, the delivery's state and the call log entry. */
export function createWebhookSender(deps: WebhookSenderDeps) {
  const random = deps.random ?? Math.random;

  return async function send(delivery: ClaimedDelivery): Promise<void> {
    const body = JSON.stringify(payloadOf(delivery));
    const attemptedAt = deps.clock.now();
    const headers = {
      'content-type': 'application/json',
      'user-agent': WEBHOOK_USER_AGENT,
      'keymanager-event-id': delivery.event_id,
      'keymanager-event-type': delivery.event_type,
      'keymanager-delivery-id': delivery.id,
      ...signatureHeaders(delivery.secret, body, attemptedAt),
    };
    const started = performance.now();
    const result = await post(delivery.url, body, headers, deps.timeoutMs);
    const responseTimeMs = Math.round(performance.now() - started);
    const attempt = delivery.attempts + 1;
    const decision = afterAttempt({
      attempt,
      maxAttempts: delivery.max_attempts,
      giveUpAt: delivery.give_up_at,
      now: deps.clock.now(),
      ok: result.error === null,
      random,
    });
    await deps.repository.recordAttempt(
      { id: delivery.id, attempt },
      {
        ...decision,
        response_status: result.status,
        response_time_ms: responseTimeMs,
        error: result.error?.message ?? null,
      },
      attemptedAt.toISOString(),
    );
    const license = (payloadOf(delivery).data as { license?: Record<string, unknown> }).license;
    const customer = (payloadOf(delivery).data as { customer?: { id?: unknown } }).customer;
    const text = (value: unknown) => (typeof value === 'string' ? value : null);
    deps.outgoingLog({
      url: delivery.url,
      status: result.status ?? (result.error?.code === 'WEBHOOK_TIMEOUT' ? 504 : 502),
      responseTimeMs,
      requestSize: Buffer.byteLength(body),
      responseSize: result.responseSize,
      userAgent: WEBHOOK_USER_AGENT,
      errorCode: result.error?.code ?? null,
      errorMessage: result.error?.message ?? null,
      retryCount: delivery.attempts,
      licenseId: text(license?.id),
      customerId: text(license?.customer_id) ?? text(customer?.id),
      productId: text(license?.product_id),
    });
  };
}
