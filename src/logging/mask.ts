/**
 * The one place secrets are masked. Every log entry, export, error and diagnostic line passes through
 * here; the formats are the contract's (`km_live_abc...xyz`, `XXXX-XXXX-XXXX-7K2M`, `sess_a4f8d2c1...`).
 */
const API_KEY = /^(km_(?:live|test)_)([0-9A-Za-z]{32})$/;

export const REDACTED = '[REDACTED]';

export function maskApiKey(secret: string): string {
  const match = API_KEY.exec(secret);
  if (!match) return maskUnknownSecret(secret);
  const [, prefix = '', random = ''] = match;
  return `${prefix}${random.slice(0, 3)}...${random.slice(-3)}`;
}

/** Everything but the last 4 characters becomes `X`; separators stay so the shape is recognisable. */
export function maskLicenseKey(key: string): string {
  const keep = key.length > 4 ? 4 : 0;
  const head = key.slice(0, key.length - keep).replace(/[^-\s]/g, 'X');
  return head + key.slice(key.length - keep);
}

export function maskSessionToken(token: string): string {
  return token.startsWith('sess_') ? `${token.slice(0, 13)}...` : maskUnknownSecret(token);
}

export function maskUnknownSecret(_value: string): string {
  return REDACTED;
}

// Secrets recognisable by their shape, wherever they appear in free text. A default-format licence key
// is four groups of four Crockford base32 characters; an API key may be cut short or run on (a typo in
// a URL), so any km_ prefix followed by base62 characters is taken.
const TEXT_SECRETS =
  /\bkm_(?:live|test)_[0-9A-Za-z]+|\bsess_[0-9A-Za-z_-]+|\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b|\b(Bearer|Basic)\s+[^\s,;"']+/gi;
const QUICK_CHECK = /km_|sess_|-|bearer|basic/i;

function maskMatch(found: string, scheme: string | undefined): string {
  if (scheme) return `${scheme} ${REDACTED}`;
  const lower = found.slice(0, 8).toLowerCase();
  if (lower.startsWith('km_live_') || lower.startsWith('km_test_')) return maskApiKey(found);
  if (lower.startsWith('sess_')) return maskSessionToken(found);
  return maskLicenseKey(found);
}

// Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: whatever could end a
// line or drive a terminal in a text output is shown escaped, so no value can forge a log line.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

export function neutralizeControl(text: string): string {
  return text.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// The user information of a URL (`https://user:password@host`, `smtp://mailer:pass@…`): a password
// typed into a webhook or sink URL would otherwise reach the failed-call log with the refused body.
const URL_CREDENTIALS = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/** Masks every secret recognisable by its shape, then neutralises control characters. */
export function maskText(text: string): string {
  let masked = QUICK_CHECK.test(text)
    ? text.replace(TEXT_SECRETS, (found, scheme: string | undefined) => maskMatch(found, scheme))
    : text;
  if (masked.includes('://')) masked = masked.replace(URL_CREDENTIALS, `$1${REDACTED}@`);
  return neutralizeControl(masked);
}

// Second factors too: a TOTP code is short-lived, but a recovery code is a password in all but name.
const SECRET_FIELD =
  /pass(word|phrase)?|secret|token|api[_-]?key|authori[sz]ation|cookie|credential|private[_-]?key|csrf|^auth$|totp|^otp$|otpauth|recovery[_-]?codes?|qr[_-]?code/i;
const LICENSE_FIELD = /^(license_key|licence_key|key)$/i;

/** What a field's value becomes in a log: redacted, masked as a licence key, or kept (masked as text). */
function sanitizeValue(name: string | undefined, value: unknown, depth: number): unknown {
  if (name !== undefined && SECRET_FIELD.test(name)) return REDACTED;
  if (typeof value === 'string') {
    if (name !== undefined && LICENSE_FIELD.test(name)) return neutralizeControl(maskLicenseKey(value));
    return maskText(value);
  }
  if (value === null || typeof value !== 'object') return value;
  if (depth > 32) return REDACTED;
  if (value instanceof Error) {
    const { code } = value as { code?: unknown };
    return sanitizeValue(
      name,
      { type: value.name, message: value.message, stack: value.stack, code },
      depth + 1,
    );
  }
  if (Array.isArray(value)) return value.map((item) => sanitizeValue(undefined, item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) out[maskText(key)] = sanitizeValue(key, item, depth + 1);
  return out;
}

/** Secret fields redacted at any depth, licence keys masked, every string masked and neutralised. */
export function sanitizeValueDeep(value: unknown): unknown {
  return sanitizeValue(undefined, value, 0);
}

export const BODY_CAP_BYTES = 8 * 1024;

/**
 * A request body as a failed-call log keeps it: parsed JSON sanitised deep, anything else masked as
 * text; capped to 8 KiB (cut on a character boundary) with a flag saying so.
 */
export function sanitizeBody(body: unknown): { text: string | null; truncated: boolean } {
  if (body === undefined || body === null) return { text: null, truncated: false };
  const text =
    typeof body === 'string' || Buffer.isBuffer(body)
      ? maskText(body.toString())
      : JSON.stringify(sanitizeValueDeep(body));
  if (Buffer.byteLength(text) <= BODY_CAP_BYTES) return { text, truncated: false };
  let cut = Buffer.from(text).subarray(0, BODY_CAP_BYTES).toString();
  if (cut.endsWith('\ufffd')) cut = cut.slice(0, -1);
  return { text: cut, truncated: true };
}

const SECRET_HEADER = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-csrf-token)$/i;

/** Headers as logs may show them: credentials redacted, everything else masked as text. */
export function sanitizeHeaders(
  headers: Record<string, string | string[] | number | undefined>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const text = Array.isArray(value) ? value.join(', ') : String(value);
    out[maskText(name)] = SECRET_HEADER.test(name) ? REDACTED : maskText(text);
  }
  return out;
}

/**
 * A URL path with its query string: secret-named parameters redacted, licence keys in the path and
 * in `key`/`license_key` parameters masked, the rest masked as text.
 */
export function maskUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const maskedPath = maskText(safeDecode(path));
  if (q < 0) return maskedPath;
  const parts = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = safeDecode(eq < 0 ? pair : pair.slice(0, eq));
      if (eq < 0) return maskText(name);
      const value = safeDecode(pair.slice(eq + 1));
      const shown = sanitizeValue(name, value, 0) as string;
      return `${maskText(name)}=${shown}`;
    });
  return `${maskedPath}?${parts.join('&')}`;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}
