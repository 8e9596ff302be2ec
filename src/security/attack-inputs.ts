import { isPlainToken } from './attack-batches.js';
import { normaliseInput, parseQueryString } from './attack-normalise.js';

/**
 * Where a request carries input, as a flat list of values to inspect with the location each came from.
 * Locations are built lazily (a parent link and a segment) because a body nested a thousand levels deep
 * would otherwise cost a quadratic amount of string building for names nobody reads unless a rule fires.
 * A value is its own last segment, so a body of a hundred thousand strings is a hundred thousand objects.
 */
export interface Location {
  parent: Location | null;
  /** A key, or an array index (turned into text only when the location is named). */
  segment: string | number;
}

export interface InputValue extends Location {
  /** Normalised text (decoded, NUL-free, look-alikes folded). */
  text: string;
  /** Read only as a path, by the traversal rules: the whole request path. */
  pathOnly?: boolean;
}

export function locationOf(location: Location): string {
  const segments: Array<string | number> = [];
  for (let at: Location | null = location; at !== null; at = at.parent) segments.push(at.segment);
  return segments.reverse().join('.');
}

const QUERY: Location = { parent: null, segment: 'query' };
const HEADERS: Location = { parent: null, segment: 'headers' };
const BODY: Location = { parent: null, segment: 'body' };

/**
 * Headers that carry data an application may store, echo or interpolate, and that attackers and scanners
 * (sqlmap at level 3, Nuclei templates) fill with payloads: free-text identification (User-Agent, Referer,
 * Origin, Via, From), client addresses and hosts from proxies, cookies, and any header of the API's own or
 * an extension (`Idempotency-Key`, `X-Request-Id`, every other `x-*`). Headers are left out when their value
 * is a secret (Authorization, CSRF token: a random token may contain anything, and it is checked exactly
 * anyway), or a fixed-format protocol field that Node or Fastify parses and rejects when malformed
 * (Content-Length, Content-Type, Accept-*, Connection, `sec-*` client hints, caching validators…).
 */
const SKIPPED_HEADERS = new Set([
  'authorization',
  'proxy-authorization',
  'x-csrf-token',
  'x-xsrf-token',
  'x-api-key',
  'content-length',
  'content-type',
  'content-encoding',
  'transfer-encoding',
  'accept',
  'accept-encoding',
  'accept-language',
  'accept-charset',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'cache-control',
  'pragma',
  'expect',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'if-range',
  'range',
  'priority',
  'dnt',
  'upgrade-insecure-requests',
]);

export function isInspectedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return !SKIPPED_HEADERS.has(lower) && !lower.startsWith('sec-');
}

/** Body fields whose value is a secret: hashed or compared, never interpolated, and random by nature. */
const SECRET_FIELDS = new Set([
  'password',
  'new_password',
  'current_password',
  'old_password',
  'password_confirmation',
  'passphrase',
  'secret',
  'client_secret',
  'totp',
  'otp',
]);

function child(parent: Location, segment: string | number): Location {
  return { parent, segment };
}

function valueAt(location: Location, text: string): InputValue {
  return { text, parent: location.parent, segment: location.segment };
}

export function collectRequestLineInputs(
  path: string,
  query: string,
  headers: Record<string, string | string[] | undefined>,
): InputValue[] {
  // The whole path for traversal (`/a/..%2f..%2fetc/passwd`), each segment for everything else, so that
  // `/customers/1' OR '1'='1` is judged like a value.
  const text: InputValue[] = [{ text: normaliseInput(path), parent: null, segment: 'path', pathOnly: true }];
  for (const segment of path.split('/')) {
    if (segment !== '') text.push({ text: normaliseInput(segment), parent: null, segment: 'path' });
  }
  for (const pair of parseQueryString(query)) {
    const location = child(QUERY, pair.name);
    text.push(valueAt(location, normaliseInput(pair.rawName, true)));
    if (pair.rawValue !== '') text.push(valueAt(location, normaliseInput(pair.rawValue, true)));
  }
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined || !isInspectedHeader(name)) continue;
    const lower = name.toLowerCase();
    const location = child(HEADERS, lower);
    for (const value of Array.isArray(raw) ? raw : [raw]) {
      if (lower === 'cookie') {
        for (const pair of value.split(';')) {
          const eq = pair.indexOf('=');
          text.push(valueAt(location, normaliseInput(eq === -1 ? pair.trim() : pair.slice(eq + 1).trim())));
        }
      } else if (lower === 'referer' || lower === 'origin') {
        const q = value.indexOf('?');
        text.push(valueAt(location, normaliseInput(q === -1 ? value : value.slice(0, q))));
        if (q !== -1) {
          for (const pair of parseQueryString(value.slice(q + 1))) {
            text.push(valueAt(location, normaliseInput(pair.rawName, true)));
            text.push(valueAt(location, normaliseInput(pair.rawValue, true)));
          }
        }
      } else {
        text.push(valueAt(location, normaliseInput(value)));
      }
    }
  }
  return text;
}

/**
 * Every key and string value of a parsed body, at any depth (walked with an explicit stack: no recursion
 * limit to hit), named `body.<key>.<key>` with array indexes as keys (`body.items.0`). A string body (text
 * or CSV) is inspected line by line as `body`. Values are normalised as they are read: the engine stops
 * reading at its first finding, so the rest of a large body that starts with an attack costs nothing.
 */
export function* bodyInputs(body: unknown): Generator<InputValue> {
  if (typeof body === 'string') {
    for (const line of body.split('\n')) if (line !== '') yield valueAt(BODY, normaliseInput(line));
    return;
  }
  if (body instanceof URLSearchParams) {
    for (const [name, value] of body) {
      const location = child(BODY, name);
      yield valueAt(location, normaliseInput(name));
      yield valueAt(location, normaliseInput(value));
    }
    return;
  }
  const stack: Array<{ value: unknown; location: Location }> = [{ value: body, location: BODY }];
  while (stack.length > 0) {
    const { value, location } = stack.pop()!;
    if (typeof value === 'string') {
      yield valueAt(location, normaliseInput(value));
    } else if (Array.isArray(value)) {
      // Strings are taken on the spot, containers later: a wide array must not cost a stack entry each.
      const nested: Array<{ value: unknown; location: Location }> = [];
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (typeof item === 'string') yield { text: normaliseInput(item), parent: location, segment: i };
        else if (item !== null && typeof item === 'object')
          nested.push({ value: item, location: child(location, i) });
      }
      for (let i = nested.length - 1; i >= 0; i--) stack.push(nested[i]!);
    } else if (value !== null && typeof value === 'object') {
      const nested: Array<{ value: unknown; location: Location }> = [];
      for (const key of Object.keys(value)) {
        const item: unknown = (value as Record<string, unknown>)[key];
        yield { text: normaliseInput(key), parent: location, segment: key };
        if (typeof item === 'string') {
          if (!SECRET_FIELDS.has(key.toLowerCase()))
            yield { text: normaliseInput(item), parent: location, segment: key };
        } else if (item !== null && typeof item === 'object') {
          nested.push({ value: item, location: child(location, key) });
        }
      }
      for (let i = nested.length - 1; i >= 0; i--) stack.push(nested[i]!);
    }
  }
}

/**
 * True when every key and string value of a parsed body (at any depth), or a string body as a whole, is
 * a plain token (isPlainToken): the shape of a licence request. Such a body holds nothing to judge,
 * exactly: normaliseInput leaves a plain token as it is (it acts only on `%`, NUL, characters outside
 * ASCII and, in query strings, `+`), and the engine skips plain tokens, so bodyInputs would feed it
 * nothing. Answered by one walk without building any input, so the common body costs no engine call.
 * Anything else (another value, a URLSearchParams body) answers false and is judged in full.
 */
export function holdsOnlyPlainTokens(body: unknown): boolean {
  if (typeof body === 'string') return isPlainToken(body);
  if (body === null || typeof body !== 'object' || body instanceof URLSearchParams) return false;
  const stack: object[] = [body];
  while (stack.length > 0) {
    const value = stack.pop()!;
    if (Array.isArray(value)) {
      for (const item of value as unknown[]) {
        if (typeof item === 'string') {
          if (!isPlainToken(item)) return false;
        } else if (item !== null && typeof item === 'object') stack.push(item);
      }
      continue;
    }
    for (const key of Object.keys(value)) {
      if (!isPlainToken(key)) return false;
      const item: unknown = (value as Record<string, unknown>)[key];
      if (typeof item === 'string') {
        if (!isPlainToken(item)) return false;
      } else if (item !== null && typeof item === 'object') stack.push(item);
    }
  }
  return true;
}
