import { methodCode, type ApiCallRecord } from '../logging/log-entry.js';
import type { LogPipeline } from '../logging/log-pipeline.js';
import type { LoggingSettingsHolder } from '../logging/logging-settings.js';
import { maskText } from '../logging/mask.js';

export interface OutgoingCall {
  url: string;
  /** The receiver's status; for a call that got no answer, 502 (unreachable) or 504 (timed out). */
  status: number;
  responseTimeMs: number;
  requestSize: number;
  responseSize: number;
  userAgent: string;
  /** For failures: a short code and message (never the receiver's body). */
  errorCode: string | null;
  errorMessage: string | null;
  /** Earlier attempts of this delivery. */
  retryCount: number;
  licenseId: string | null;
  customerId: string | null;
  productId: string | null;
}

/**
 * Where the call went, as the log shows it: scheme, host and path. The query string and any user
 * information are left out, since receivers often put a token there.
 */
export function loggedUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return maskText(`${url.protocol}//${url.host}${url.pathname}`).slice(0, 2048);
  } catch {
    return '[invalid url]';
  }
}

/**
 * Records an outgoing webhook call in the API-call log (`direction: outgoing`, the product document's
 * "Webhook Deliveries"), and failures in the failed-call log, under the same toggles as incoming calls.
 * Sampling is not applied: deliveries are few and each is evidence of what a receiver was told.
 */
export function createOutgoingCallLog(deps: {
  nextId: () => string;
  settings: LoggingSettingsHolder;
  pipeline: Pick<LogPipeline, 'append'>;
}) {
  return function record(call: OutgoingCall): void {
    const settings = deps.settings.current();
    const failed = call.status >= 400;
    if (failed ? !settings.log_failed_api_calls : !settings.log_api_calls) return;
    const row: ApiCallRecord = {
      id: deps.nextId(),
      endpoint: loggedUrl(call.url),
      path: null,
      method: methodCode('POST'),
      status: call.status,
      response_time_us: Math.round(call.responseTimeMs * 1000),
      ip: null,
      api_key: null,
      api_key_id: null,
      request_size: call.requestSize,
      response_size: call.responseSize,
      user_agent: call.userAgent,
      license_key: null,
      license_key_hash: null,
      license_id: call.licenseId,
      customer_id: call.customerId,
      product_id: call.productId,
      channel: 0,
      direction: 1,
      error_code: failed ? call.errorCode : null,
      error_message: failed && call.errorMessage ? maskText(call.errorMessage.slice(0, 2048)) : null,
      stack_trace: null,
      validation_errors: null,
      retry_count: failed ? call.retryCount : null,
      request_body: null,
      request_body_truncated: null,
    };
    deps.pipeline.append({ log: 'api', row });
  };
}

export type OutgoingCallLog = ReturnType<typeof createOutgoingCallLog>;
