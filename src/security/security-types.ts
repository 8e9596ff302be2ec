import type { BlockReason } from '../logging/log-entry.js';

/**
 * The shapes the parts of the security layer agree on. The layer (security-layer.ts) asks, in order:
 * allowlist → IP/CIDR rules → country rules → user-agent rules → revoked or blocklisted API key →
 * rate limits → attack patterns in path, query and headers; after the body is parsed: attack patterns
 * in the body, the per-licence-key rate limit. The first that fires decides.
 */

/** A rule that fired: what the blocked-request log records. Never shown to the client. */
export interface RuleHit {
  reason: BlockReason;
  /** A stored rule's id (`rule_…`), or a built-in rule's name (`SCANNER_UA_SQLMAP`, `ATTACK_SQLI`, …). */
  rule_id: string;
  /** Where the offending input was: `path`, `query.q`, `headers.user-agent`, `body.name`, … */
  matched_location: string | null;
}

/** Rule types of `/api/v1/security/rules`; `fingerprint` rules are only created by automatic bans. */
export const RULE_TYPES = ['ip', 'country', 'user_agent', 'api_key', 'fingerprint'] as const;
export type RuleType = (typeof RULE_TYPES)[number];

/** A compiled, in-memory view of the stored rules and allowlist, rebuilt on every change. */
export interface RuleSet {
  /** True when the (normalised) address is on the allowlist: no rule, limit or ban applies. */
  isAllowlisted(ip: string): boolean;
  /** The first unexpired rule of that type matching the value, or null. `now` in epoch ms. */
  matchIp(ip: string, now: number): string | null;
  matchCountry(countryCode: string, now: number): string | null;
  matchUserAgent(userAgent: string, now: number): string | null;
  /**
   * The presented API key, by the SHA-256 hex of its secret (as stored in `api_keys.key_hash`), when it
   * is revoked (rule id `API_KEY_REVOKED`) or named by an `api_key` rule (that rule's id).
   */
  matchApiKeyHash(keyHash: string, now: number): string | null;
  matchFingerprint(fingerprint: string, now: number): string | null;
  /** False when no rule names a fingerprint, so a request's fingerprint need not be computed. */
  readonly hasFingerprintRules: boolean;
}

/** Country of an address, ISO 3166 alpha-2, from the database shipped in an npm package. */
export interface CountryLookup {
  country(ip: string): string | null;
}

/** One rate limit: at most `limit` requests per `window_seconds`. */
export interface RateLimit {
  limit: number;
  window_seconds: number;
}

export interface RateLimitSettings {
  per_ip: RateLimit;
  per_api_key: RateLimit;
  per_license_key: RateLimit;
}

/** What a rate-limit check answers; the numbers feed `X-RateLimit-*` and `Retry-After`. */
export interface RateLimitDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Seconds until a full quota is available again (`X-RateLimit-Reset`). */
  reset_seconds: number;
  /** Seconds to wait before the next request can pass; 0 when allowed (`Retry-After`). */
  retry_after_seconds: number;
}

/** Counts requests for a key; memory by default, Redis (one atomic round trip) with `KM_REDIS_URL`. */
export interface RateLimitStore {
  hit(key: string, limit: RateLimit, now: number): Promise<RateLimitDecision>;
  /** The same count answered at once, by a store that keeps it in this process; absent otherwise. */
  hitNow?(key: string, limit: RateLimit, now: number): RateLimitDecision;
  close(): Promise<void>;
}

/** The inputs an attack detector sees; headers are only those that carry data. */
export interface InspectedRequestLine {
  path: string;
  /** Raw query string without the `?`. */
  query: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface AttackDetector {
  inspectRequestLine(request: InspectedRequestLine): RuleHit | null;
  inspectBody(body: unknown): RuleHit | null;
}

/** Things that count towards an automatic ban. */
export type OffenceKind = 'invalid_api_key' | 'unknown_license_key' | 'attack_pattern';

export interface Offence {
  kind: OffenceKind;
  ip: string;
  fingerprint: string;
  api_key_id?: string | null;
  /** For `unknown_license_key`: the keyed hash of the guessed key (distinct keys are counted). */
  license_key_hash?: string | null;
  /**
   * For `invalid_api_key`: the SHA-256 hex of the presented secret, so distinct wrong keys are counted (a
   * client repeating one stale key is not stuffing credentials); without it every failure counts.
   */
  api_key_hash?: string | null;
}

/** A ban to store as a rule: `type` and `value` say who is banned, until `expires_at`. */
export interface BanOrder {
  type: 'ip' | 'api_key' | 'fingerprint';
  value: string;
  reason: string;
  expires_at: string;
  /** How many times this subject was banned before (escalation). */
  previous_bans: number;
}
