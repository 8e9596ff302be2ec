import { createHash, hash } from 'node:crypto';
import { reduceUserAgent, truncateIp } from './redaction.js';

/**
 * The hash chain every log entry joins (ADR 0009). One chain per log of the settings, so each has one
 * retention period: an API call joins `failed_api_calls` when its status is 400 or more, `api_calls`
 * otherwise (both live in the table api_call_log).
 *
 *   head(0)   = SHA-256("keymanager/log-chain/v1\n" + log)
 *   head(n)   = SHA-256(UTF-8(hex(head(n-1)) ‖ canonical(entry n)))
 *
 * The canonical form is a JSON array (JSON.stringify, no spaces) of the log's name and the entry's fields
 * in the fixed order below, so anyone can recompute it from an export or an archive. Personal data (the
 * address, the user agent, and for the activity log who acted and from which session) is not in it
 * directly (nor, for entries about an admin or a session, their label and details, see aboutAPerson):
 * the array holds the redacted forms (redaction.ts) and a commitment to the full values,
 *
 *   commitment = SHA-256(UTF-8(hex(salt of the log's UTC day) ‖ JSON([id, ...private values]))),
 *
 * so truncating an address or erasing an admin later replaces values by the commitment the chain already
 * holds, and verification still passes. The day's salt is secret and deleted once its entries are all
 * redacted, so a stored commitment cannot be brute-forced back to the address it hides.
 */

export const CHAINED_LOGS = ['activity', 'api_calls', 'failed_api_calls', 'blocked'] as const;
export type ChainedLog = (typeof CHAINED_LOGS)[number];

export const HASH_BYTES = 32;

export function apiCallChain(status: number): 'api_calls' | 'failed_api_calls' {
  return status >= 400 ? 'failed_api_calls' : 'api_calls';
}

export function genesisHead(log: ChainedLog): Buffer {
  return createHash('sha256').update(`keymanager/log-chain/v1\n${log}`).digest();
}

// Hex text in, hex text out: crypto.hash over one string costs a fraction of a createHash object, and
// the writer and the verifier pay it for every entry.
export function nextHeadHex(previousHex: string, canonical: string): string {
  return hash('sha256', previousHex + canonical, 'hex');
}

export function nextHead(previous: Buffer, canonical: string): Buffer {
  return Buffer.from(nextHeadHex(previous.toString('hex'), canonical), 'hex');
}

export function privateCommitmentHex(
  daySaltHex: string,
  id: string,
  privateValues: readonly unknown[],
): string {
  // JSON.stringify([id, ...privateValues]) written out item by item: the whole call costs twice the
  // hashing for these few short values, and every entry verified pays it.
  let text = `${daySaltHex}[${jsonItem(id)}`;
  for (const value of privateValues) text += `,${jsonItem(value)}`;
  return hash('sha256', `${text}]`, 'hex');
}

/**
 * Whether JSON.stringify escapes anything in `text` (a quote, a backslash, a control character, a lone
 * surrogate); surrogate pairs count too, though it leaves them as they are.
 */
function needsEscape(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x22 || code === 0x5c || (code >= 0xd800 && code <= 0xdfff)) return true;
  }
  return false;
}

/** A value as JSON.stringify writes it as an item of an array. */
function jsonItem(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return needsEscape(value) ? JSON.stringify(value) : `"${value}"`;
  return (JSON.stringify(value) as string | undefined) ?? 'null';
}

export function privateCommitment(daySalt: Buffer, id: string, privateValues: readonly unknown[]): Buffer {
  return Buffer.from(privateCommitmentHex(daySalt.toString('hex'), id, privateValues), 'hex');
}

/** The UTC day (`YYYY-MM-DD`) whose salt an entry's commitment uses: the day of its timestamp. */
export function saltDay(timestamp: string): string {
  return timestamp.slice(0, 10);
}

/** JSON with object keys sorted at every depth (RFC 8785's order for the ASCII keys we write). */
export function sortedJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
    const sorted: Record<string, unknown> = {};
    for (const key of Object.keys(item).sort()) sorted[key] = (item as Record<string, unknown>)[key];
    return sorted;
  });
}

/** The fields of an API call that the chain binds, in the shown forms of the journal (log-entry.ts). */
export interface ApiCallChainFields {
  id: string;
  endpoint: string | null;
  path: string | null;
  method: number;
  status: number;
  response_time_us: number;
  ip: string | null;
  api_key: string | null;
  api_key_id: string | null;
  request_size: number;
  response_size: number;
  user_agent: string | null;
  license_key: string | null;
  /** Hex. */
  license_key_hash: string | null;
  license_id: string | null;
  customer_id: string | null;
  product_id: string | null;
  channel: number;
  direction: number;
  error_code: string | null;
  error_message: string | null;
  stack_trace: string | null;
  validation_errors: string | null;
  retry_count: number | null;
  request_body: string | null;
  request_body_truncated: number | null;
}

export interface BlockedChainFields {
  id: string;
  block_reason: string;
  rule_id: string | null;
  ip: string | null;
  method: number;
  path: string | null;
  api_key: string | null;
  user_agent: string | null;
  country_code: string | null;
  fingerprint: string | null;
  threat_score: number;
  matched_location: string | null;
}

export interface ActivityChainFields {
  id: string;
  /** ISO 8601 with milliseconds, UTC. */
  timestamp: string;
  admin_user: string;
  actor_type: string;
  actor_id: string | null;
  channel: string;
  action_type: string;
  resource_type: string;
  resource_id: string | null;
  resource: string | null;
  details: unknown;
  result: string;
  error_code: string | null;
  ip: string | null;
  session_id: string | null;
  user_agent: string | null;
}

/** The values each log keeps only behind its commitment once redacted. */
export function apiCallPrivateValues(entry: ApiCallChainFields | BlockedChainFields): unknown[] {
  return [entry.ip, entry.user_agent];
}

/**
 * Entries about an admin account or a session carry that admin's email and name in their label and
 * details; they sit behind the commitment too, so erasing the admin (GDPR) keeps the chain verifiable.
 * Other entries bind their label and details directly, and keep doing so whatever is redacted later.
 */
const PERSONAL_RESOURCE_TYPES = new Set(['admin', 'session']);

export function aboutAPerson(entry: Pick<ActivityChainFields, 'resource_type'>): boolean {
  return PERSONAL_RESOURCE_TYPES.has(entry.resource_type);
}

export function activityPrivateValues(entry: ActivityChainFields): unknown[] {
  const values: unknown[] = [entry.admin_user, entry.ip, entry.session_id, entry.user_agent];
  if (aboutAPerson(entry)) values.push(entry.resource, sortedJson(entry.details ?? null));
  return values;
}

/** Commitments come as bytes or as hex text. */
const hex = (commitment: Buffer | string) =>
  typeof commitment === 'string' ? commitment : commitment.toString('hex');

export function canonicalApiCall(entry: ApiCallChainFields, commitment: Buffer | string): string {
  return JSON.stringify([
    apiCallChain(entry.status),
    entry.id,
    entry.endpoint,
    entry.path,
    entry.method,
    entry.status,
    entry.response_time_us,
    entry.api_key,
    entry.api_key_id,
    entry.request_size,
    entry.response_size,
    entry.license_key,
    entry.license_key_hash,
    entry.license_id,
    entry.customer_id,
    entry.product_id,
    entry.channel,
    entry.direction,
    entry.error_code,
    entry.error_message,
    entry.stack_trace,
    entry.validation_errors,
    entry.retry_count,
    entry.request_body,
    entry.request_body_truncated,
    truncateIp(entry.ip),
    reduceUserAgent(entry.user_agent),
    hex(commitment),
  ]);
}

export function canonicalBlocked(entry: BlockedChainFields, commitment: Buffer | string): string {
  return JSON.stringify([
    'blocked',
    entry.id,
    entry.block_reason,
    entry.rule_id,
    entry.method,
    entry.path,
    entry.api_key,
    entry.country_code,
    entry.fingerprint,
    entry.threat_score,
    entry.matched_location,
    truncateIp(entry.ip),
    reduceUserAgent(entry.user_agent),
    hex(commitment),
  ]);
}

export function canonicalActivity(entry: ActivityChainFields, commitment: Buffer | string): string {
  return JSON.stringify([
    'activity',
    entry.id,
    entry.timestamp,
    entry.actor_type,
    entry.actor_id,
    entry.channel,
    entry.action_type,
    entry.resource_type,
    entry.resource_id,
    aboutAPerson(entry) ? null : entry.resource,
    aboutAPerson(entry) ? null : sortedJson(entry.details ?? null),
    entry.result,
    entry.error_code,
    truncateIp(entry.ip),
    reduceUserAgent(entry.user_agent),
    hex(commitment),
  ]);
}
