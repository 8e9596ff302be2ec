import type { BlockReason } from '../logging/log-entry.js';

/**
 * How dangerous the reason alone says a blocked request is, from the product document's "typical
 * response" column: a scanner's user agent or an injection is an attack on its face; a rate limit or a
 * malformed body is usually a clumsy client; a country rule is policy, not a sign of hostility.
 */
export const THREAT_BASE: Readonly<Record<BlockReason, number>> = {
  SQL_INJECTION_ATTEMPT: 85, // "critical security threat"
  USER_AGENT_BLOCKED: 80, // "definitely malicious": known scanners and attack tools
  ABUSE_PATTERN_DETECTED: 75, // "likely malicious": XSS, traversal, command injection
  IP_BLOCKLISTED: 50, // an address an admin (or an automatic ban) already judged hostile
  API_KEY_REVOKED: 40, // a revoked credential still in use: stale config or a leaked key
  RATE_LIMIT_EXCEEDED: 35, // "wait and retry (legitimate)": medium
  GEO_BLOCKED: 20, // policy
  MALFORMED_REQUEST: 15, // "possibly attack attempt": mostly broken clients
};

/** Most that repetition can add: it grows by 5 points each time the count of recent blocks doubles. */
export const REPEAT_MAX = 25;
/** Points per earlier automatic ban of the same client, and their cap. */
export const HISTORY_STEP = 10;
export const HISTORY_MAX = 20;

export interface ThreatInput {
  reason: BlockReason;
  /** Blocks of the same client (fingerprint or address) in the recent window, before this one. */
  repeats?: number;
  /** Earlier automatic bans of the same client. */
  banned_before?: number;
}

/**
 * Threat score 0–100, pure: the reason's base (`THREAT_BASE`), plus `5 × log2(1 + repeats)` rounded
 * down, at most 25 (1 earlier block +5, 3 → +10, 7 → +15, 15 → +20, 31 or more → +25), plus 10 per earlier
 * ban, at most 20; capped at 100. Logarithmic in repeats so a long flood saturates instead of every
 * rate-limited client reaching 100.
 */
export function threatScore(input: ThreatInput): number {
  const repeats = Math.max(0, Math.floor(input.repeats ?? 0));
  const bans = Math.max(0, Math.floor(input.banned_before ?? 0));
  const repetition = Math.min(REPEAT_MAX, 5 * Math.floor(Math.log2(1 + repeats)));
  const history = Math.min(HISTORY_MAX, HISTORY_STEP * bans);
  return Math.min(100, THREAT_BASE[input.reason] + repetition + history);
}
