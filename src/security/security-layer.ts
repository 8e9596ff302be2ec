import { hash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { sendError } from '../http/error-handler.js';
import { AppError } from '../http/errors.js';
import type { BlockReason } from '../logging/log-entry.js';
import type { BlockInput } from '../logging/request-logging.js';
import type { Clock } from '../shared/clock.js';
import { holdsOnlyPlainTokens, isInspectedHeader } from './attack-inputs.js';
import type {
  AttackDetector,
  CountryLookup,
  Offence,
  RateLimit,
  RateLimitDecision,
  RateLimitSettings,
  RateLimitStore,
  RuleHit,
  RuleSet,
} from './security-types.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Top-level body fields that carry markup by design, left out of the body's attack check. */
    markupBodyFields?: readonly string[];
  }
  interface FastifyRequest {
    /** Set when the security layer answered the request itself: it belongs to the blocked log only. */
    securityBlocked: boolean;
    /** What the layer learnt about the client, for later hooks (bans, logs). */
    clientFacts: ClientFacts | null;
    rateLimitShown: RateLimitDecision | null;
    /** The bearer secret with its SHA-256 hex (as `api_keys.key_hash` stores it); null without one. */
    apiKeySecretHash: { secret: string; hash: string } | null;
  }
}

export interface ClientFacts {
  ip: string;
  country: string | null;
  /** Computed when first read: most requests are never blocked, banned or matched by fingerprint. */
  readonly fingerprint: string;
  allowlisted: boolean;
}

/**
 * A class rather than a literal with closures: one object per request, the fingerprint taken when read;
 * the request stays in private fields, out of anything that serialises the facts.
 */
class RequestClientFacts implements ClientFacts {
  readonly #request: FastifyRequest;
  readonly #fingerprintOf: (request: FastifyRequest, ip: string) => string;
  #fingerprint: string | undefined;

  constructor(
    readonly ip: string,
    readonly country: string | null,
    readonly allowlisted: boolean,
    request: FastifyRequest,
    fingerprintOf: (request: FastifyRequest, ip: string) => string,
  ) {
    this.#request = request;
    this.#fingerprintOf = fingerprintOf;
  }

  get fingerprint(): string {
    return (this.#fingerprint ??= this.#fingerprintOf(this.#request, this.ip));
  }
}

export interface SecurityLayerDeps {
  clock: Clock;
  rules: { ruleSet(): RuleSet; rateLimits(): RateLimitSettings };
  countries: CountryLookup;
  detector: AttackDetector;
  scannerUserAgent(userAgent: string): string | null;
  rateLimiter: RateLimitStore;
  /** Null when a trusted proxy forwarded something that is not an address. */
  clientIp(request: FastifyRequest): string | null;
  fingerprint(request: FastifyRequest, ip: string): string;
  hashLicenseKey(key: string): Buffer;
  /** 0–100 for a block about to be logged; knows the subject's recent history. */
  threatScore(reason: BlockReason, facts: ClientFacts): number;
  /** Counts towards automatic bans; never awaited by the request. */
  reportOffence(offence: Offence): void;
  recordBlocked(input: BlockInput, request: FastifyRequest): void;
}

/** Probes must keep answering whatever the rules say, or one bad rule takes the instance out of service. */
const UNGUARDED = new Set(['/healthz', '/readyz', '/metrics']);

const FORBIDDEN = new AppError('ERR_FORBIDDEN');
const RATE_LIMITED = new AppError('ERR_RATE_LIMITED');

function pathOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

function queryOf(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? '' : url.slice(q + 1);
}

function bearerSecret(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

/** One-shot `crypto.hash`: a quarter of the cost of a Hash object for a short secret, on every request. */
const sha256 = (text: string) => hash('sha256', text, 'hex');

const CLEAN_LINES_MAX = 10_000;
const LINE_KEY_MAX = 2048;

/** The URL and every header the detector inspects: what its verdict on the request line depends on. */
function requestLineKey(request: FastifyRequest): string | null {
  let key = request.url;
  for (const name in request.headers) {
    if (!isInspectedHeader(name)) continue;
    const value = request.headers[name];
    key += `\n${name}\0${Array.isArray(value) ? value.join('\0') : (value ?? '')}`;
    if (key.length > LINE_KEY_MAX) return null;
  }
  return key;
}

interface LimitCheck {
  key: string;
  limit: RateLimit;
  rule_id: string;
  location: string | null;
}

function setRateLimitHeaders(reply: FastifyReply, decision: RateLimitDecision): void {
  reply.header('X-RateLimit-Limit', decision.limit);
  reply.header('X-RateLimit-Remaining', Math.max(0, decision.remaining));
  reply.header('X-RateLimit-Reset', Math.ceil(decision.reset_seconds));
  if (!decision.allowed) reply.header('Retry-After', Math.max(1, Math.ceil(decision.retry_after_seconds)));
}

/**
 * The security layer in front of the API. Runs before authentication, in the order of the product
 * document; the first rule that fires decides, the client gets the contract's generic answer and the
 * blocked-request log gets the reason.
 */
export function createSecurityLayer(deps: SecurityLayerDeps) {
  // The same request lines come again and again (an SDK calling validate with its user agent): one
  // judged clean is not judged again. Only the detector's own verdict is cached, never a block.
  const cleanRequestLines = new Set<string>();

  function block(request: FastifyRequest, reply: FastifyReply, hit: RuleHit, facts: ClientFacts) {
    request.securityBlocked = true;
    deps.recordBlocked(
      {
        reason: hit.reason,
        rule_id: hit.rule_id,
        matched_location: hit.matched_location,
        threat_score: deps.threatScore(hit.reason, facts),
        country_code: facts.country,
        fingerprint: facts.fingerprint,
      },
      request,
    );
    if (hit.reason === 'SQL_INJECTION_ATTEMPT' || hit.reason === 'ABUSE_PATTERN_DETECTED') {
      if (!facts.allowlisted)
        deps.reportOffence({ kind: 'attack_pattern', ip: facts.ip, fingerprint: facts.fingerprint });
    }
    return sendError(reply, hit.reason === 'RATE_LIMIT_EXCEEDED' ? RATE_LIMITED : FORBIDDEN);
  }

  /** Shows the tightest limit seen for this request in the headers; the hit when `decision` refuses. */
  function applyDecision(
    request: FastifyRequest,
    reply: FastifyReply,
    check: LimitCheck,
    decision: RateLimitDecision,
  ): RuleHit | null {
    const shown = request.rateLimitShown;
    if (!shown || !decision.allowed || decision.remaining < shown.remaining) {
      request.rateLimitShown = decision;
      setRateLimitHeaders(reply, decision);
    }
    return decision.allowed
      ? null
      : { reason: 'RATE_LIMIT_EXCEEDED', rule_id: check.rule_id, matched_location: check.location };
  }

  async function checkLimitsRemotely(
    request: FastifyRequest,
    reply: FastifyReply,
    checks: LimitCheck[],
    now: number,
  ): Promise<RuleHit | null> {
    for (const check of checks) {
      const hit = applyDecision(
        request,
        reply,
        check,
        await deps.rateLimiter.hit(check.key, check.limit, now),
      );
      if (hit) return hit;
    }
    return null;
  }

  /**
   * Checks the limits in order and stops at the first exceeded. The headers show the tightest limit
   * seen for this request, the body-phase licence-key limit included. Counts kept in this process are
   * answered at once, so the usual request passes the layer without a promise; counts in Redis are
   * waited for.
   */
  function checkLimits(
    request: FastifyRequest,
    reply: FastifyReply,
    checks: LimitCheck[],
    now: number,
  ): RuleHit | null | Promise<RuleHit | null> {
    const limiter = deps.rateLimiter;
    if (!limiter.hitNow) return checkLimitsRemotely(request, reply, checks, now);
    for (const check of checks) {
      const hit = applyDecision(request, reply, check, limiter.hitNow(check.key, check.limit, now));
      if (hit) return hit;
    }
    return null;
  }

  /**
   * Continues the hook with the limits' verdict: blocks on a hit, else runs `next`, which answers
   * whether the request may go on (false when it blocked it). Fastify's callback style: `done` is called
   * only for a request that goes on, or with an error.
   */
  function afterLimits(
    limited: RuleHit | null | Promise<RuleHit | null>,
    request: FastifyRequest,
    reply: FastifyReply,
    facts: ClientFacts,
    done: HookHandlerDoneFunction,
    next: () => boolean,
  ): void {
    if (!(limited instanceof Promise)) {
      if (limited) block(request, reply, limited, facts);
      else if (next()) done();
      return;
    }
    limited.then((hit) => {
      let goOn = false;
      try {
        if (hit) block(request, reply, hit, facts);
        else goOn = next();
      } catch (error) {
        done(error as Error);
        return;
      }
      if (goOn) done();
    }, done);
  }

  /** Everything that can be judged from the request line and headers, before the body is read. */
  function matchStaticRules(
    request: FastifyRequest,
    facts: ClientFacts,
    keyHash: string | null,
    now: number,
  ): RuleHit | null {
    const rules = deps.rules.ruleSet();
    if (!facts.allowlisted) {
      const ipRule = rules.matchIp(facts.ip, now);
      if (ipRule) return { reason: 'IP_BLOCKLISTED', rule_id: ipRule, matched_location: 'ip' };
      const countryRule = facts.country ? rules.matchCountry(facts.country, now) : null;
      if (countryRule) return { reason: 'GEO_BLOCKED', rule_id: countryRule, matched_location: 'ip' };
      const userAgent = request.headers['user-agent'];
      if (userAgent) {
        const uaRule = rules.matchUserAgent(userAgent, now) ?? deps.scannerUserAgent(userAgent);
        if (uaRule)
          return { reason: 'USER_AGENT_BLOCKED', rule_id: uaRule, matched_location: 'headers.user-agent' };
      }
      const fingerprintRule = rules.hasFingerprintRules
        ? rules.matchFingerprint(facts.fingerprint, now)
        : null;
      if (fingerprintRule)
        return {
          reason: 'ABUSE_PATTERN_DETECTED',
          rule_id: fingerprintRule,
          matched_location: 'fingerprint',
        };
    }
    // A revoked key never works, allowlisted or not.
    if (keyHash) {
      const keyRule = rules.matchApiKeyHash(keyHash, now);
      if (keyRule)
        return { reason: 'API_KEY_REVOKED', rule_id: keyRule, matched_location: 'headers.authorization' };
    }
    return null;
  }

  /** The attack check of the request line and headers; false when it blocked the request. */
  function passesRequestLine(
    request: FastifyRequest,
    reply: FastifyReply,
    path: string,
    facts: ClientFacts,
  ): boolean {
    const lineKey = requestLineKey(request);
    if (lineKey !== null && cleanRequestLines.has(lineKey)) return true;
    const attack = deps.detector.inspectRequestLine({
      path,
      query: request.routeOptions.config.searchTerms ? '' : queryOf(request.url),
      headers: request.headers,
    });
    if (attack) {
      block(request, reply, attack, facts);
      return false;
    }
    if (lineKey !== null) {
      if (cleanRequestLines.size >= CLEAN_LINES_MAX) cleanRequestLines.clear();
      cleanRequestLines.add(lineKey);
    }
    return true;
  }

  /**
   * Callback style rather than async: the usual request is judged without a promise or a turn of the
   * microtask queue (the hook runs on every request). A blocked request is answered here and `done` is
   * not called, as Fastify asks of a hook that replies.
   */
  function onRequest(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const path = pathOf(request.url);
    if (UNGUARDED.has(path)) return done();
    const now = deps.clock.now().getTime();
    const ip = deps.clientIp(request);
    if (ip === null) {
      // Nothing to judge the client by: refused as a protocol violation rather than let through.
      request.securityBlocked = true;
      deps.recordBlocked(
        {
          reason: 'MALFORMED_REQUEST',
          rule_id: 'PROTOCOL_BAD_CLIENT_ADDRESS',
          threat_score: 40,
          matched_location: 'headers.x-forwarded-for',
        },
        request,
      );
      sendError(reply, new AppError('ERR_MALFORMED_REQUEST'));
      return;
    }
    const rules = deps.rules.ruleSet();
    const facts = new RequestClientFacts(
      ip,
      deps.countries.country(ip),
      rules.isAllowlisted(ip),
      request,
      deps.fingerprint,
    );
    request.clientFacts = facts;
    const secret = bearerSecret(request);
    // Hashed once: the revoked-key rule, the per-key limit and authentication all look the key up by it.
    const keyHash = secret ? sha256(secret) : null;
    request.apiKeySecretHash = secret && keyHash ? { secret, hash: keyHash } : null;

    const ruleHit = matchStaticRules(request, facts, keyHash, now);
    if (ruleHit) {
      block(request, reply, ruleHit, facts);
      return;
    }
    if (facts.allowlisted) return done();

    const limits = deps.rules.rateLimits();
    const checks: LimitCheck[] = [
      { key: `ip:${ip}`, limit: limits.per_ip, rule_id: 'RATE_LIMIT_PER_IP', location: 'ip' },
    ];
    if (keyHash)
      checks.push({
        key: `key:${keyHash}`,
        limit: limits.per_api_key,
        rule_id: 'RATE_LIMIT_PER_API_KEY',
        location: 'headers.authorization',
      });
    afterLimits(checkLimits(request, reply, checks, now), request, reply, facts, done, () =>
      passesRequestLine(request, reply, path, facts),
    );
  }

  /**
   * A route whose fields hold markup by design (an email template's HTML body) names them in its
   * config (`markupBodyFields`); those top-level fields are left out of the attack check, the rest of
   * the body is inspected as usual. The route must then treat them as untrusted markup.
   */
  function bodyToInspect(request: FastifyRequest): unknown {
    const fields = request.routeOptions.config.markupBodyFields;
    const body = request.body;
    if (!fields || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
    return Object.fromEntries(Object.entries(body).filter(([name]) => !fields.includes(name)));
  }

  /** After the body is parsed, before authentication and validation; callback style like onRequest. */
  function onBody(request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction): void {
    const facts = request.clientFacts;
    const body = request.body;
    if (!facts || facts.allowlisted || body === undefined || body === null) return done();
    // The usual licence request holds only plain tokens, in which no rule can match: not even the
    // route's options are read for it.
    if (!holdsOnlyPlainTokens(body)) {
      const attack = deps.detector.inspectBody(bodyToInspect(request));
      if (attack) {
        block(request, reply, attack, facts);
        return;
      }
    }
    const licenseKey = (body as { license_key?: unknown }).license_key;
    if (typeof licenseKey !== 'string' || licenseKey.length === 0) return done();
    const check: LimitCheck = {
      key: `license:${deps.hashLicenseKey(licenseKey).toString('hex')}`,
      limit: deps.rules.rateLimits().per_license_key,
      rule_id: 'RATE_LIMIT_PER_LICENSE_KEY',
      location: 'body.license_key',
    };
    const now = deps.clock.now().getTime();
    afterLimits(checkLimits(request, reply, [check], now), request, reply, facts, done, () => true);
  }

  /** Failures that count towards automatic bans: wrong API keys and guessed licence keys. */
  function onResponse(request: FastifyRequest, reply: FastifyReply, done: () => void) {
    const facts = request.clientFacts;
    if (facts && !facts.allowlisted && !request.securityBlocked && reply.statusCode >= 400) {
      const code = (request.logError as { code?: string } | null)?.code;
      if (code === 'ERR_INVALID_API_KEY') {
        const secret = bearerSecret(request);
        deps.reportOffence({
          kind: 'invalid_api_key',
          ip: facts.ip,
          fingerprint: facts.fingerprint,
          api_key_hash: request.apiKeySecretHash?.hash ?? (secret ? sha256(secret) : null),
        });
      } else if (code === 'ERR_LICENSE_NOT_FOUND') {
        const licenseKey = (request.body as { license_key?: unknown } | undefined)?.license_key;
        if (typeof licenseKey === 'string') {
          const principal = request.principal;
          deps.reportOffence({
            kind: 'unknown_license_key',
            ip: facts.ip,
            fingerprint: facts.fingerprint,
            api_key_id: principal?.kind === 'api_key' ? principal.apiKeyId : null,
            license_key_hash: deps.hashLicenseKey(licenseKey).toString('hex'),
          });
        }
      }
    }
    done();
  }

  return { onRequest, onBody, onResponse };
}

export type SecurityLayer = ReturnType<typeof createSecurityLayer>;

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The query string holds search terms, not instructions: the log searches, where a security team
     * looks for `' OR 1=1` or `<script>` in what was recorded. Its values are not judged as attacks (the
     * path and headers still are); such routes need `logs:read` and bind every value as a parameter.
     */
    searchTerms?: boolean;
  }
}

/** Must be registered before authentication, so its body check runs first among preValidation hooks. */
export function registerSecurityLayer(app: FastifyInstance, layer: SecurityLayer): void {
  app.decorateRequest('securityBlocked', false);
  app.decorateRequest('clientFacts', null);
  app.decorateRequest('rateLimitShown', null);
  app.decorateRequest('apiKeySecretHash', null);
  app.addHook('onRequest', layer.onRequest);
  app.addHook('preValidation', layer.onBody);
  app.addHook('onResponse', layer.onResponse);
}
