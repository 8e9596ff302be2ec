/**
 * Normalisation of request input before attack patterns are looked for. Attackers hide a payload behind
 * URL encoding (once, twice, with IIS `%uXXXX` escapes or overlong UTF-8 such as `%c0%af`), NUL bytes and
 * look-alike characters (full-width `．．／`, typographic quotes). Every helper here is pure and linear in
 * the input's length, so a megabyte of `%25` costs one pass per decoding round.
 */

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/**
 * Bytes to text the way a lenient server (IIS, old Tomcat) reads them: overlong forms (`c0 af` → `/`)
 * still yield their character, a lead byte before plain ASCII (`c0 2f`, `c0 5c`) is dropped, and a byte
 * that starts no sequence reads as Latin-1. A strict decoder would give U+FFFD and hide the `/` such a
 * server sees.
 */
export function decodeBytesLeniently(bytes: ArrayLike<number>, length = bytes.length): string {
  const units = new Uint16Array(length);
  return fromCodes(units, decodeBytesInto(bytes, length, units, 0));
}

/** Writes the lenient decoding of the first `length` bytes into `units` from `out`; returns where it ended. */
function decodeBytesInto(bytes: ArrayLike<number>, length: number, units: Uint16Array, out: number): number {
  let i = 0;
  while (i < length) {
    const b = bytes[i]!;
    const need = b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xc0 && b < 0xe0 ? 1 : 0;
    if (need > 0 && i + 1 < length && bytes[i + 1]! < 0x80) {
      // A lead byte before plain ASCII (`c0 5c`) is dropped, as lenient servers do: the ASCII stays.
      i += 1;
    } else if (need > 0 && i + need < length) {
      let code = b & (0x3f >> need);
      for (let k = 1; k <= need; k++) code = (code << 6) | (bytes[i + k]! & 0x3f);
      if (code > 0x10ffff) {
        units[out++] = 0xfffd;
      } else if (code > 0xffff) {
        units[out++] = 0xd800 + ((code - 0x10000) >> 10);
        units[out++] = 0xdc00 + ((code - 0x10000) & 0x3ff);
      } else {
        units[out++] = code;
      }
      i += need + 1;
    } else {
      units[out++] = b;
      i += 1;
    }
  }
  return out;
}

/**
 * Decoding buffers for values up to this length, allocated once: a body of thousands of short values with
 * escapes would otherwise allocate two typed arrays each. Decoding is synchronous and never re-entered.
 */
const SCRATCH_LENGTH = 1024;
const SCRATCH_UNITS = new Uint16Array(SCRATCH_LENGTH);
const SCRATCH_BYTES = new Uint8Array(Math.floor(SCRATCH_LENGTH / 3));

/**
 * A string from the first `count` UTF-16 units: one character at a time for a few, natively for many,
 * where building it a character at a time is slow. `latin1` (every unit below 0x100) gives a string of
 * one byte a character, which every later step reads faster.
 */
function fromCodes(units: Uint16Array, count: number, latin1 = false): string {
  if (count <= 16) {
    let text = '';
    for (let k = 0; k < count; k++) text += String.fromCharCode(units[k]!);
    return text;
  }
  // Up to a scratch buffer's length, the units are arguments: no buffer to allocate, and V8 picks one
  // byte a character by itself.
  if (count <= SCRATCH_LENGTH)
    return String.fromCharCode.apply(null, units.subarray(0, count) as unknown as number[]);
  if (latin1) return Buffer.from(Uint8Array.from(units.subarray(0, count))).toString('latin1');
  return Buffer.from(units.buffer, units.byteOffset, count * 2).toString('utf16le');
}

const AN_ESCAPE = /%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i;

/** The value of four hex digits from `at`, or -1. */
function hex4(value: string, at: number): number {
  let code = 0;
  for (let k = 0; k < 4; k++) {
    const digit = hexValue(value.charCodeAt(at + k));
    if (digit < 0) return -1;
    code = (code << 4) | digit;
  }
  return code;
}

/**
 * One round of percent-decoding: `%XX` runs as (lenient) UTF-8, `%uXXXX` as a UTF-16 unit, `+` as a space
 * when `plusAsSpace` (query strings and form bodies). A `%` that starts no escape stays as it is, which is
 * what lets `%%32%65` become `%2e` in this round and `.` in the next.
 */
export function decodeUrlOnce(value: string, plusAsSpace = false): string {
  const plain = (text: string) =>
    plusAsSpace && text.indexOf('+') !== -1 ? text.replaceAll('+', ' ') : text;
  let at = value.indexOf('%');
  // A megabyte of `%` that starts no escape (what `%25` leaves after a round) is one native scan here
  // rather than a step of the loop below per `%`.
  if (at === -1 || !AN_ESCAPE.test(value)) return plain(value);
  const n = value.length;
  const parts: string[] = [];
  // Decoded characters, and the short plain text between them, gather here as UTF-16 units and become
  // one part at once: a megabyte of `%41x%41x…` costs no string per escape. Decoded text is never longer
  // than its escapes, so `n` units are enough.
  const units = n <= SCRATCH_LENGTH ? SCRATCH_UNITS : new Uint16Array(n);
  let pending = 0;
  let wide = 0;
  let bytes: Uint8Array | undefined = n <= SCRATCH_LENGTH ? SCRATCH_BYTES : undefined;
  const flush = () => {
    if (pending === 0) return;
    parts.push(fromCodes(units, pending, wide < 0x100));
    pending = 0;
    wide = 0;
  };
  const keepPlain = (from: number, to: number) => {
    if (to - from >= 32) {
      flush();
      parts.push(plain(value.slice(from, to)));
      return;
    }
    for (let k = from; k < to; k++) {
      const c = value.charCodeAt(k);
      units[pending++] = plusAsSpace && c === 0x2b ? 0x20 : c;
      wide |= c;
    }
  };
  let plainFrom = 0;
  // Jumps from `%` to `%` with indexOf (native, fast) rather than walking every character.
  while (at !== -1) {
    let end = at;
    const unit = at + 5 < n && (value.charCodeAt(at + 1) | 0x20) === 0x75 ? hex4(value, at + 2) : -1;
    if (unit >= 0) {
      keepPlain(plainFrom, at);
      units[pending++] = unit;
      wide |= unit;
      end = at + 6;
    } else if (
      at + 2 < n &&
      hexValue(value.charCodeAt(at + 1)) >= 0 &&
      hexValue(value.charCodeAt(at + 2)) >= 0
    ) {
      keepPlain(plainFrom, at);
      // A run of `%XX` is one byte sequence: `%c3%a9` is one character.
      bytes ??= new Uint8Array(Math.floor(n / 3));
      let count = 0;
      while (end + 2 < n && value.charCodeAt(end) === 0x25) {
        const high = hexValue(value.charCodeAt(end + 1));
        const low = hexValue(value.charCodeAt(end + 2));
        if (high < 0 || low < 0) break;
        bytes[count++] = (high << 4) | low;
        end += 3;
      }
      const from = pending;
      pending = decodeBytesInto(bytes, count, units, pending);
      for (let k = from; k < pending; k++) wide |= units[k]!;
    } else {
      at = value.indexOf('%', at + 1);
      continue;
    }
    plainFrom = end;
    at = value.indexOf('%', end);
  }
  keepPlain(plainFrom, n);
  flush();
  return parts.length === 1 ? parts[0]! : parts.join('');
}

/** Percent-decodes until the text stops changing (at most `maxRounds`): double and triple encoding. */
export function decodeUrlRepeatedly(value: string, plusAsSpace = false, maxRounds = 4): string {
  let current = decodeUrlOnce(value, plusAsSpace);
  if (current === value) return current;
  for (let round = 1; round < maxRounds; round++) {
    const next = decodeUrlOnce(current);
    if (next === current) break;
    current = next;
  }
  return current;
}

/**
 * Look-alikes folded to the ASCII character a parser or a best-fit code page would turn them into.
 * Full-width forms (U+FF01–FF5E) are handled arithmetically.
 */
const LOOK_ALIKES: Record<string, string> = {
  '\u2018': "'",
  '\u2019': "'",
  '\u201a': "'",
  '\u201b': "'",
  '\u2032': "'",
  '\u2035': "'",
  '\u02bc': "'",
  '\u201c': '"',
  '\u201d': '"',
  '\u201e': '"',
  '\u201f': '"',
  '\u2033': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2215': '/',
  '\u2044': '/',
  '\u29f8': '/',
  '\u2216': '\\',
  '\u29f9': '\\',
  '\ufe68': '\\',
  '\u2024': '.',
  '\ufe52': '.',
  '\ufe64': '<',
  '\ufe65': '>',
  '\u2039': '<',
  '\u203a': '>',
  '\u00a0': ' ',
};

const LOOK_ALIKE_CHARS = new RegExp(`[\\uff01-\\uff5e${Object.keys(LOOK_ALIKES).join('')}]`, 'g');

export function foldLookAlikes(value: string): string {
  return value.replace(LOOK_ALIKE_CHARS, (c) => {
    const code = c.charCodeAt(0);
    return code >= 0xff01 && code <= 0xff5e ? String.fromCharCode(code - 0xfee0) : LOOK_ALIKES[c]!;
  });
}

/** What a value holds that normalisation acts on: bits of `needsOf()`. */
const ESCAPE = 1;
const NUL = 2;
const WIDE = 4;

/**
 * Which passes a short value needs, in one loop over its characters: a `%` that starts an escape (`%XX`,
 * `%uXXXX`; any other `%` is left as it is), a `+` read as a space, NUL, and characters outside ASCII
 * (every look-alike is one). For a body of forty thousand short values, one loop each costs a fraction of
 * a regular expression call each, and a `%` that starts no escape no longer costs a decoding round.
 */
function needsOf(value: string, plusAsSpace: boolean): number {
  let needs = 0;
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0x80) needs |= WIDE;
    else if (c === 0) needs |= NUL;
    else if (c === 0x2b) needs |= plusAsSpace ? ESCAPE : 0;
    else if (c === 0x25 && (needs & ESCAPE) === 0 && startsEscape(value, i)) needs |= ESCAPE;
  }
  return needs;
}

function startsEscape(value: string, at: number): boolean {
  if ((value.charCodeAt(at + 1) | 0x20) === 0x75 && at + 5 < value.length && hex4(value, at + 2) >= 0)
    return true;
  return hexValue(value.charCodeAt(at + 1)) >= 0 && hexValue(value.charCodeAt(at + 2)) >= 0;
}

/**
 * A character class scans a megabyte in milliseconds, where indexOf and a UTF-8 byte count (equal to the
 * length only for ASCII) take a tenth of that; a long value gets those, and all passes when any is needed.
 */
function needsOfLong(value: string, plusAsSpace: boolean): number {
  const needed =
    value.indexOf('%') !== -1 ||
    value.indexOf('\u0000') !== -1 ||
    (plusAsSpace && value.indexOf('+') !== -1) ||
    Buffer.byteLength(value) !== value.length;
  return needed ? ESCAPE | NUL | WIDE : 0;
}

/**
 * The text attack patterns are matched against: percent-decoded until stable, NUL bytes dropped (they cut
 * strings short in C-based parsers: `../../etc/passwd%00.jpg`), look-alikes folded.
 */
export function normaliseInput(value: string, plusAsSpace = false): string {
  let needs = value.length < 1024 ? needsOf(value, plusAsSpace) : needsOfLong(value, plusAsSpace);
  if (needs === 0) return value;
  let text = value;
  if ((needs & ESCAPE) !== 0) {
    text = decodeUrlRepeatedly(value, plusAsSpace);
    // Decoding can yield NUL and characters outside ASCII that the value did not hold.
    if (text !== value) needs |= NUL | WIDE;
  }
  if ((needs & NUL) !== 0 && text.indexOf('\u0000') !== -1) text = text.replaceAll('\u0000', '');
  return (needs & WIDE) !== 0 ? foldLookAlikes(text) : text;
}

const HEX_SEPARATORS = /0x(2e|2f|5c)/gi;
const A_HEX_SEPARATOR = /0x(?:2e|2f|5c)/i;

/**
 * The same text as a file system would read it as a path: backslashes are separators (Windows, and
 * servers that accept both) and textual hex escapes of `.` `/` `\` (`0x2e0x2e0x2f`) are decoded.
 * Used only for path-traversal patterns.
 */
export function normalisePathLike(normalised: string): string {
  const slashed = normalised.indexOf('\\') === -1 ? normalised : normalised.replaceAll('\\', '/');
  if (slashed.indexOf('0x') === -1 && slashed.indexOf('0X') === -1) return slashed;
  return slashed.replace(HEX_SEPARATORS, (_, hex: string) => (hex.toLowerCase() === '2e' ? '.' : '/'));
}

/** Whether normalisePathLike() changes a text, found without building the changed text. */
export function readsDifferentlyAsPath(normalised: string): boolean {
  return (
    normalised.indexOf('\\') !== -1 ||
    ((normalised.indexOf('0x') !== -1 || normalised.indexOf('0X') !== -1) && A_HEX_SEPARATOR.test(normalised))
  );
}

export interface QueryPair {
  /** The name as the application reads it (decoded once), for naming the location `query.<name>`. */
  name: string;
  rawName: string;
  rawValue: string;
}

/** Splits a raw query string (or a urlencoded form body) into its pairs, keeping repeated names. */
export function parseQueryString(query: string): QueryPair[] {
  const pairs: QueryPair[] = [];
  for (const part of query.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const rawName = eq === -1 ? part : part.slice(0, eq);
    pairs.push({
      name: decodeUrlOnce(rawName, true),
      rawName,
      rawValue: eq === -1 ? '' : part.slice(eq + 1),
    });
  }
  return pairs;
}
