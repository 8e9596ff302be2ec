import type { SinkEntry, SinkLog } from '../sink-types.js';
import { summaryOf } from './summary.js';

/**
 * RFC 5424 messages with RFC 6587 octet-counting framing, and CEF as their message when chosen.
 *
 * Written here rather than taken from npm: the maintained syslog clients (`syslog-client` and its
 * forks, `winston-syslog`) write RFC 5424 headers without structured data, frame TCP messages with a
 * newline (which a field holding a line break would split) and escape nothing; no maintained package
 * formats CEF. The rules below are short and exactly those of the two specifications.
 */

/** The private enterprise number RFC 5612 reserves for documentation and examples. */
export const SD_ID = 'keymanager@32473';
export const APP_NAME = 'keymanager';
/** `log audit` (RFC 5424, table 1). */
const FACILITY = 13;
const NILVALUE = '-';

// Control characters are exactly what is matched here.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/g;

/**
 * An SD-PARAM value (RFC 5424 §6.3.3): `"`, `\` and `]` take a backslash, and nothing else changes.
 * A line break stays a line break: octet-counting framing carries it inside the message, so it cannot
 * end the message or start a forged one, and a receiver that decodes the three escapes gets the value
 * back exactly (an escape of our own for line breaks would be ambiguous once a receiver decodes `\\`).
 */
export function escapeParamValue(value: string): string {
  return value.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

/** Header fields (RFC 5424 §6.2): printable US-ASCII without spaces, bounded, or the NILVALUE. */
export function headerField(value: string, max: number): string {
  const printable = value.replace(/[^\x21-\x7e]/g, '').slice(0, max);
  return printable === '' ? NILVALUE : printable;
}

function severityOf(entry: SinkEntry): number {
  const f = entry.fields as Record<string, unknown>;
  if (entry.log === 'activity') return f.result === 'failure' ? 4 : 5;
  if (entry.log === 'blocked') return 4;
  if (entry.log === 'failed-api-calls') return Number(f.status) >= 500 ? 3 : 4;
  return 6;
}

/** A field's value as text: objects and lists as JSON, null as absent. */
function textOf(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The entry's fields as one SD-ELEMENT: `log`, `seq`, then every field that has a value. */
export function structuredData(entry: SinkEntry): string {
  const params: string[] = [`log="${entry.log}"`, `seq="${entry.seq}"`];
  for (const [name, value] of Object.entries(entry.fields)) {
    const text = textOf(value);
    // SD-NAMEs are the contract's field names: lower-case ASCII and underscores, 32 characters at most.
    if (text !== null && /^[a-z_]{1,32}$/.test(name)) params.push(`${name}="${escapeParamValue(text)}"`);
  }
  return `[${SD_ID} ${params.join(' ')}]`;
}

/** `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`. */
export function rfc5424Line(entry: SinkEntry, hostname: string, message: string, sd: string): string {
  const pri = FACILITY * 8 + severityOf(entry);
  const msgid = headerField(entry.log, 32);
  return `<${pri}>1 ${entry.fields.timestamp} ${headerField(hostname, 255)} ${APP_NAME} ${NILVALUE} ${msgid} ${sd} ${message}`;
}

/** RFC 6587 §3.4.1: the message's length in octets, a space, the message. */
export function octetCounted(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/** RFC 5424 with the entry in structured data and a one-line summary as the message. */
export function formatRfc5424(entry: SinkEntry, hostname: string): string {
  // The summary is for reading only: control characters become spaces.
  return rfc5424Line(entry, hostname, summaryOf(entry).replace(CONTROL, ' '), structuredData(entry));
}

/** CEF header fields: `\` and `|` take a backslash; a line break would end the event, so it is a space. */
export function escapeCefHeader(value: string): string {
  return value.replace(/[\\|]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ');
}

/** CEF extension values: `\` and `=` take a backslash, line breaks are `\n` and `\r`. */
export function escapeCefValue(value: string): string {
  return (
    value
      .replace(/[\\=]/g, (c) => `\\${c}`)
      .replace(/\r/g, '\\r')
      .replace(/\n/g, '\\n')
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f]/g, ' ')
  );
}

const CEF_SEVERITY: Record<SinkLog, number> = {
  activity: 3,
  'api-calls': 1,
  'failed-api-calls': 5,
  blocked: 7,
};

/** CEF's own keys where one means the field, custom strings (with their labels) for the rest. */
const CEF_KEYS: Record<string, string> = {
  id: 'externalId',
  ip: 'src',
  method: 'requestMethod',
  path: 'request',
  user_agent: 'requestClientApplication',
  admin_user: 'suser',
  action_type: 'act',
  result: 'outcome',
  error_code: 'reason',
  block_reason: 'reason',
  resource_type: 'cs1',
  resource: 'cs2',
  endpoint: 'cs3',
  api_key: 'cs4',
  license_key: 'cs5',
  country_code: 'cs6',
  status: 'cn1',
  threat_score: 'cn2',
};
const CEF_LABELS: Record<string, string> = {
  cs1: 'resource_type',
  cs2: 'resource',
  cs3: 'endpoint',
  cs4: 'api_key',
  cs5: 'license_key',
  cs6: 'country_code',
  cn1: 'status',
  cn2: 'threat_score',
  cn3: 'seq',
};

function signatureOf(entry: SinkEntry): string {
  const f = entry.fields as Record<string, unknown>;
  if (entry.log === 'activity') return String(f.action_type);
  if (entry.log === 'blocked') return String(f.block_reason);
  return entry.log === 'api-calls' ? 'API_CALL' : 'API_CALL_FAILED';
}

/** `CEF:0|Vendor|Product|Version|Signature ID|Name|Severity|Extension`. */
export function cefEvent(entry: SinkEntry, version: string): string {
  const f = entry.fields as Record<string, unknown>;
  const severity =
    entry.log === 'blocked' && typeof f.threat_score === 'number'
      ? Math.min(10, Math.max(0, Math.round(f.threat_score / 10)))
      : CEF_SEVERITY[entry.log];
  const header = [
    'CEF:0',
    'KeyManager',
    'KeyManager',
    version,
    signatureOf(entry),
    summaryOf(entry),
    String(severity),
  ]
    .map((part, i) => (i === 0 ? part : escapeCefHeader(part)))
    .join('|');
  const extension: string[] = [
    `rt=${Date.parse(entry.fields.timestamp)}`,
    `cat=${escapeCefValue(entry.log)}`,
    `cn3=${entry.seq}`,
  ];
  const used = new Set<string>(['cn3']);
  for (const [name, value] of Object.entries(entry.fields)) {
    const key = CEF_KEYS[name];
    const text = textOf(value);
    if (!key || text === null || used.has(key)) continue;
    used.add(key);
    extension.push(`${key}=${escapeCefValue(text)}`);
  }
  for (const [key, label] of Object.entries(CEF_LABELS)) {
    if (used.has(key)) extension.push(`${key}Label=${label}`);
  }
  return `${header}|${extension.join(' ')}`;
}

/** CEF carried as the message of an RFC 5424 line (no structured data: the event holds the fields). */
export function formatCef(entry: SinkEntry, hostname: string, version: string): string {
  return rfc5424Line(entry, hostname, cefEvent(entry, version), NILVALUE);
}
