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
export function decodeBytesLeniently(bytes: ArrayLike<number>): string {
  // UTF-16 code units, turned into a string natively: building it a character at a time is slow.
  const units = new Uint16Array(bytes.length);
  let count = 0;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const need = b >= 0xf0 && b < 0xf8 ? 3 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xc0 && b < 0xe0 ? 1 : 0;
    if (need > 0 && i + 1 < bytes.length && bytes[i + 1]! < 0x80) {
      // A lead byte before plain ASCII (`c0 5c`) is dropped, as lenient servers do: the ASCII stays.
      i += 1;
    } else if (need > 0 && i + need < bytes.length) {
      let code = b & (0x3f >> need);
      for (let k = 1; k <= need; k++) code = (code << 6) | (bytes[i + k]! & 0x3f);
      if (code > 0x10ffff) {
        units[count++] = 0xfffd;
      } else if (code > 0xffff) {
        units[count++] = 0xd800 + ((code - 0x10000) >> 10);
        units[count++] = 0xdc00 + ((code - 0x10000) & 0x3ff);
      } else {
        units[count++] = code;
      }
      i += need + 1;
    } else {
      units[count++] = b;
      i += 1;
    }
  }
  return Buffer.from(units.buffer, 0, count * 2).toString('utf16le');
}

const AN_ESCAPE = /%(?:[0-9a-f]{2}|u[0-9a-f]{4})/i;

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
  const parts: string[] = [];
  const n = value.length;
  let plainFrom = 0;
  // Jumps from `%` to `%` with indexOf (native, fast) rather than walking every character.
  while (at !== -1) {
    let decoded: string | null = null;
    let end = at;
    if (
      at + 5 < n &&
      (value.charCodeAt(at + 1) | 0x20) === 0x75 &&
      hexValue(value.charCodeAt(at + 2)) >= 0 &&
      hexValue(value.charCodeAt(at + 3)) >= 0 &&
      hexValue(value.charCodeAt(at + 4)) >= 0 &&
      hexValue(value.charCodeAt(at + 5)) >= 0
    ) {
      decoded = String.fromCharCode(Number.parseInt(value.slice(at + 2, at + 6), 16));
      end = at + 6;
    } else if (
      at + 2 < n &&
      hexValue(value.charCodeAt(at + 1)) >= 0 &&
      hexValue(value.charCodeAt(at + 2)) >= 0
    ) {
      // Measure the run of escapes first, then fill a byte array of its size: growing a JS array byte
      // by byte is what made a megabyte of `%25` slow.
      while (end + 2 < n && value.charCodeAt(end) === 0x25) {
        if (hexValue(value.charCodeAt(end + 1)) < 0 || hexValue(value.charCodeAt(end + 2)) < 0) break;
        end += 3;
      }
      const bytes = new Uint8Array((end - at) / 3);
      for (let k = 0; k < bytes.length; k++) {
        bytes[k] =
          (hexValue(value.charCodeAt(at + 3 * k + 1)) << 4) | hexValue(value.charCodeAt(at + 3 * k + 2));
      }
      decoded = decodeBytesLeniently(bytes);
    }
    if (decoded === null) {
      at = value.indexOf('%', at + 1);
      continue;
    }
    parts.push(plain(value.slice(plainFrom, at)), decoded);
    plainFrom = end;
    at = value.indexOf('%', end);
  }
  parts.push(plain(value.slice(plainFrom)));
  return parts.join('');
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

/**
 * What normalisation acts on: escapes, NUL, and characters outside ASCII (every look-alike is). Most values
 * hold none and are returned as they are, without the passes below.
 */
// eslint-disable-next-line no-control-regex -- NUL is one of the characters looked for
const NEEDS_NORMALISING = /[%\u0000\u0080-\uffff]/;
// eslint-disable-next-line no-control-regex -- as above
const NEEDS_NORMALISING_IN_QUERY = /[%+\u0000\u0080-\uffff]/;

/**
 * The text attack patterns are matched against: percent-decoded until stable, NUL bytes dropped (they cut
 * strings short in C-based parsers: `../../etc/passwd%00.jpg`), look-alikes folded.
 */
export function normaliseInput(value: string, plusAsSpace = false): string {
  if (!(plusAsSpace ? NEEDS_NORMALISING_IN_QUERY : NEEDS_NORMALISING).test(value)) return value;
  const decoded = decodeUrlRepeatedly(value, plusAsSpace);
  return foldLookAlikes(decoded.indexOf('\u0000') === -1 ? decoded : decoded.replaceAll('\u0000', ''));
}

/**
 * The same text as a file system would read it as a path: backslashes are separators (Windows, and
 * servers that accept both) and textual hex escapes of `.` `/` `\` (`0x2e0x2e0x2f`) are decoded.
 * Used only for path-traversal patterns.
 */
export function normalisePathLike(normalised: string): string {
  const slashed = normalised.indexOf('\\') === -1 ? normalised : normalised.replaceAll('\\', '/');
  if (slashed.indexOf('0x') === -1 && slashed.indexOf('0X') === -1) return slashed;
  return slashed.replace(/0x(2e|2f|5c)/gi, (_, hex: string) => (hex.toLowerCase() === '2e' ? '.' : '/'));
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
