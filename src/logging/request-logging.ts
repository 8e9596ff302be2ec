import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toAppError } from '../http/error-handler.js';
import type { LoggingSettingsHolder } from './logging-settings.js';
import { methodCode, type ApiCallRecord, type BlockReason } from './log-entry.js';
import type { LogPipeline } from './log-pipeline.js';
import { maskApiKey, maskLicenseKey, maskText, maskUrl, neutralizeControl, sanitizeBody } from './mask.js';

/** What a handler knows about the licence a call concerned (the licence API sets it). */
export interface LogLicense {
  id: string;
  product_id: string;
  customer_id: string | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    logLicense: LogLicense | null;
    logError: Error | null;
  }
}

export interface BlockInput {
  reason: BlockReason;
  rule_id?: string | null;
  /** 0–100. */
  threat_score: number;
  matched_location?: string | null;
  country_code?: string | null;
  fingerprint?: string | null;
}

const USER_AGENT_MAX = 512;
const TEXT_MAX = 2048;

function userAgent(request: FastifyRequest): string | null {
  const ua = request.headers['user-agent'];
  return ua ? maskText(ua.slice(0, USER_AGENT_MAX)) : null;
}

/** The presented API key, masked, when authentication did not resolve one (a wrong or revoked key). */
function presentedKey(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)/i.exec(header);
  return match?.[1] ? maskApiKey(match[1]) : '[REDACTED]';
}

function retryCount(request: FastifyRequest): number | null {
  const raw = request.headers['x-retry-count'];
  if (typeof raw !== 'string' || !/^\d{1,4}$/.test(raw)) return null;
  return Number(raw);
}

function size(payload: unknown, reply: FastifyReply): number {
  if (typeof payload === 'string') return Buffer.byteLength(payload);
  if (Buffer.isBuffer(payload)) return payload.length;
  const header = reply.getHeader('content-length');
  return header === undefined ? 0 : Number(header) || 0;
}

interface ErrorFacts {
  code: string | null;
  message: string | null;
  details: unknown;
}

function errorFacts(request: FastifyRequest, payload: unknown): ErrorFacts {
  if (typeof payload === 'string' && payload.startsWith('{"error"')) {
    try {
      const { error } = JSON.parse(payload) as {
        error: { code: string; message: string; details?: unknown };
      };
      return { code: error.code, message: error.message, details: error.details };
    } catch {
      // fall through to the thrown error
    }
  }
  if (request.logError) {
    const appError = toAppError(request.logError);
    return { code: appError.code, message: appError.message, details: appError.details };
  }
  return { code: null, message: null, details: undefined };
}

function malformedRule(error: Error | null, status: number): string {
  if (status === 413) return 'PROTOCOL_BODY_TOO_LARGE';
  const code = (error as { code?: string } | null)?.code ?? '';
  if (code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || status === 415) return 'PROTOCOL_CONTENT_TYPE';
  if (code === 'FST_ERR_BAD_URL') return 'PROTOCOL_BAD_URL';
  return 'PROTOCOL_BODY_UNPARSABLE';
}

export interface RequestLogDeps {
  nextId: () => string;
  settings: LoggingSettingsHolder;
  pipeline: LogPipeline;
  hashLicenseKey: (key: string) => Buffer;
  random?: () => number;
}

/**
 * Turns the facts of a request into masked log entries and hands them to the pipeline. The hooks run
 * in onSend, before the response leaves, so an entry is journaled for every response a client gets.
 */
export function createRequestLogger(deps: RequestLogDeps) {
  const random = deps.random ?? Math.random;

  function recordBlocked(input: BlockInput, request: FastifyRequest): void {
    if (!deps.settings.current().log_blocklisted_api_calls) return;
    const ua = userAgent(request);
    const path = maskUrl(request.url.slice(0, TEXT_MAX));
    const fingerprint =
      input.fingerprint ??
      request.clientFacts?.fingerprint ??
      'hash_' +
        createHash('sha256')
          .update(`${request.ip}\n${ua ?? ''}\n${request.method}\n${path}`)
          .digest('hex')
          .slice(0, 16);
    deps.pipeline.append({
      log: 'blocked',
      row: {
        id: deps.nextId(),
        block_reason: input.reason,
        rule_id: input.rule_id ? neutralizeControl(input.rule_id) : null,
        ip: request.clientFacts?.ip ?? request.ip ?? null,
        method: methodCode(request.method),
        path,
        api_key: presentedKey(request),
        user_agent: ua,
        country_code: input.country_code ?? request.clientFacts?.country ?? null,
        fingerprint: neutralizeControl(fingerprint),
        threat_score: Math.max(0, Math.min(100, Math.round(input.threat_score))),
        matched_location: input.matched_location ? neutralizeControl(input.matched_location) : null,
      },
    });
  }

  function recordCall(request: FastifyRequest, reply: FastifyReply, payload: unknown): void {
    // The security layer answered it and wrote its blocked-request entry: not an API call.
    if (request.securityBlocked) return;
    const settings = deps.settings.current();
    const status = reply.statusCode;
    const endpoint = request.routeOptions.url ?? null;
    const failed = status >= 400;
    let error: ErrorFacts | null = null;
    if (failed) {
      error = errorFacts(request, payload);
      if (error.code === 'ERR_MALFORMED_REQUEST' || error.code === 'ERR_PAYLOAD_TOO_LARGE') {
        recordBlocked(
          {
            reason: 'MALFORMED_REQUEST',
            rule_id: malformedRule(request.logError, status),
            threat_score: 10,
            matched_location: status === 415 ? 'headers' : 'body',
          },
          request,
        );
        return;
      }
      if (!settings.log_failed_api_calls) return;
    }
    // Exclusions concern the API-call logs; the blocked-request log sees every rejected request.
    if (endpoint && settings.excluded_endpoints.includes(endpoint)) return;
    if (!failed) {
      if (!settings.log_api_calls) return;
      if (settings.api_call_sample_rate < 1 && random() >= settings.api_call_sample_rate) return;
    }

    const principal = request.principal;
    const body = request.body as Record<string, unknown> | undefined;
    const licenseKey = typeof body?.license_key === 'string' ? body.license_key : null;
    const path = maskUrl(request.url.slice(0, TEXT_MAX));
    const license = request.logLicense;
    const row: ApiCallRecord = {
      id: deps.nextId(),
      endpoint,
      path: path === endpoint ? null : path,
      method: methodCode(request.method),
      status,
      response_time_us: Math.round(reply.elapsedTime * 1000),
      ip: request.clientFacts?.ip ?? request.ip ?? null,
      // An authenticated key is named by its id; the read side shows its masked form from the key.
      api_key: principal?.kind === 'api_key' ? null : failed ? presentedKey(request) : null,
      api_key_id: principal?.kind === 'api_key' ? principal.apiKeyId : null,
      request_size: Number(request.headers['content-length']) || 0,
      response_size: size(payload, reply),
      user_agent: userAgent(request),
      license_key: licenseKey === null ? null : neutralizeControl(maskLicenseKey(licenseKey.slice(0, 128))),
      license_key_hash: licenseKey === null ? null : deps.hashLicenseKey(licenseKey).toString('hex'),
      license_id: license?.id ?? null,
      customer_id: license?.customer_id ?? null,
      product_id: license?.product_id ?? null,
      channel: principal?.kind === 'admin' ? 1 : 0,
      direction: 0,
      error_code: null,
      error_message: null,
      stack_trace: null,
      validation_errors: null,
      retry_count: null,
      request_body: null,
      request_body_truncated: null,
    };
    if (failed && error) {
      const sanitized = sanitizeBody(request.body);
      row.error_code = error.code;
      row.error_message = error.message === null ? null : maskText(error.message.slice(0, TEXT_MAX));
      row.stack_trace =
        status >= 500 && request.logError?.stack
          ? request.logError.stack.split('\n').map(maskText).join('\n').slice(0, 8192)
          : null;
      row.validation_errors =
        error.code === 'ERR_VALIDATION' && Array.isArray(error.details)
          ? JSON.stringify(
              (error.details as { field?: unknown; message?: unknown }[]).map((d) => ({
                field: maskText(String(d.field ?? '')),
                message: maskText(String(d.message ?? '')),
              })),
            )
          : null;
      row.retry_count = retryCount(request);
      row.request_body = sanitized.text;
      row.request_body_truncated = sanitized.text === null ? null : sanitized.truncated ? 1 : 0;
    }
    deps.pipeline.append({ log: 'api', row });
  }

  return { recordBlocked, recordCall, afterJournal: deps.pipeline.afterJournal };
}

export type RequestLogger = ReturnType<typeof createRequestLogger>;

/** Registers the hooks on every route; logging failures are reported, never passed to the client. */
export function registerRequestLogging(app: FastifyInstance, logger: RequestLogger): void {
  app.decorateRequest('logLicense', null);
  app.decorateRequest('logError', null);
  app.addHook('onError', (request, _reply, error, done) => {
    request.logError = error;
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    if (request.url.startsWith('/api/v1/')) {
      try {
        logger.recordCall(request, reply, payload);
      } catch (error) {
        request.log.error({ err: error }, 'could not record the API call');
      }
    }
    // The response leaves only once its entry is in the journal (one write per event-loop turn).
    logger.afterJournal(() => done(null, payload));
  });
}
