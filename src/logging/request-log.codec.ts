import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/**
 * Every stored form of a request-log value, both ways (see ADR 0003, "Compact rows"). The writer encodes
 * with these, the read side decodes with them, and a search filter turns its value into the stored form
 * with the same functions, so the three can never disagree. Each encoding is exact: a value that does
 * not have the expected shape is stored as its text, tagged, and reads back unchanged.
 */

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const CROCKFORD_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < CROCKFORD.length; i++) CROCKFORD_VALUE[CROCKFORD.charCodeAt(i)] = i;

const ULID_LENGTH = 26;
const ULID_BYTES = 16;

/** 128 bits of a ULID from its 26 characters starting at `start`; false if one is not lower-case Crockford. */
function ulidInto(text: string, start: number, out: Buffer, lenient: boolean): boolean {
  // 26 characters of 5 bits are 130 bits: the first character carries the top 3.
  let acc = 0;
  let bits = -2;
  let byte = 0;
  for (let i = 0; i < ULID_LENGTH; i++) {
    const code = text.charCodeAt(start + i);
    let value = code < 128 ? CROCKFORD_VALUE[code]! : -1;
    if (value < 0 || (i === 0 && value > 7)) {
      if (!lenient) return false;
      value = value < 0 ? 0 : 7;
    }
    acc = ((acc << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out[byte++] = (acc >> bits) & 0xff;
    }
  }
  return true;
}

/**
 * An id's ULID (after the `prefix_`) as its 128 bits, big-endian, so byte order is id order. Characters
 * outside Crockford's alphabet (only a forged cursor has them) read as 0; the bound is clamped.
 */
export function idToBytes(id: string): Buffer {
  const start = id.indexOf('_') + 1;
  const out = Buffer.allocUnsafe(ULID_BYTES);
  if (id.length - start === ULID_LENGTH && ulidInto(id, start, out, false)) return out;
  ulidInto(id.padEnd(start + ULID_LENGTH, '0'), start, out, true);
  return out;
}

/** The inverse of idToBytes: `prefix_` + the 26-character lower-case ULID. */
export function idFromBytes(prefix: string, bytes: Uint8Array): string {
  let text = '';
  let acc = 0;
  let bits = 2; // two zero bits pad 128 to 130
  for (const b of bytes) {
    acc = ((acc << 8) | b) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      text += CROCKFORD[(acc >> bits) & 31];
    }
  }
  return `${prefix}_${text}`;
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;
  HEX_VALUE['0123456789ABCDEF'.charCodeAt(i)] = i;
}

const CROCKFORD_CODES = Array.from(CROCKFORD, (c) => c.charCodeAt(0));
const idCodes: number[] = new Array<number>(ULID_LENGTH).fill(0);

/**
 * idFromBytes of the bytes `hex` spells (either case), without making them a Buffer first, and its
 * characters made into one string at the end rather than one string per character added.
 */
export function idFromHex(prefix: string, hex: string): string {
  let acc = 0;
  let bits = 2;
  let n = 0;
  for (let i = 0; i < hex.length; i++) {
    acc = ((acc << 4) | HEX_VALUE[hex.charCodeAt(i)]!) & 0xff;
    bits += 4;
    if (bits >= 5) {
      bits -= 5;
      idCodes[n++] = CROCKFORD_CODES[(acc >> bits) & 31]!;
    }
  }
  return `${prefix}_${String.fromCharCode.apply(null, n === ULID_LENGTH ? idCodes : idCodes.slice(0, n))}`;
}

// A value that has no compact form is stored as 0xFF then its UTF-8 (which never holds 0xFF), with a
// second 0xFF when that length is one a compact form has: the length alone tells the forms apart.
const TEXT_TAG = 0xff;

function taggedText(text: string, compactLengths: readonly number[]): Buffer {
  const utf8 = Buffer.from(text);
  const tags = compactLengths.includes(utf8.length + 1) ? 2 : 1;
  return Buffer.concat([Buffer.alloc(tags, TEXT_TAG), utf8]);
}

function untaggedText(stored: Uint8Array): string {
  let start = 0;
  while (stored[start] === TEXT_TAG) start++;
  return Buffer.from(stored.buffer, stored.byteOffset + start, stored.length - start).toString();
}

function untaggedHex(hex: string): string {
  return untaggedText(Buffer.from(hex, 'hex'));
}

/** The columns that name another record, and the prefix their ids carry (implied by the column). */
export const REFERENCE_PREFIXES = {
  api_key_id: 'key',
  license_id: 'lic',
  customer_id: 'cus',
  product_id: 'prd',
} as const;
export type ReferenceColumn = keyof typeof REFERENCE_PREFIXES;

const ID_LENGTHS = [ULID_BYTES];

/** `key_01j…` in `api_key_id` as its ULID's 16 bytes; any other form of id as tagged text. */
export function storedReference(column: ReferenceColumn, id: string | null): Buffer | null {
  if (id === null) return null;
  const prefix = REFERENCE_PREFIXES[column];
  if (id.length === prefix.length + 1 + ULID_LENGTH && id.startsWith(prefix) && id[prefix.length] === '_') {
    const out = Buffer.allocUnsafe(ULID_BYTES);
    if (ulidInto(id, prefix.length + 1, out, false)) return out;
  }
  return taggedText(id, ID_LENGTHS);
}

export function referenceFromStored(column: ReferenceColumn, stored: Uint8Array | null): string | null {
  if (stored === null) return null;
  if (stored.length === ULID_BYTES) return idFromBytes(REFERENCE_PREFIXES[column], stored);
  return untaggedText(stored);
}

/** referenceFromStored of a column read as hex text (see hexOf); SQLite's hex() makes null ''. */
export function referenceFromHex(column: ReferenceColumn, hex: string | null): string | null {
  if (!hex) return null;
  if (hex.length === ULID_BYTES * 2) return idFromHex(REFERENCE_PREFIXES[column], hex);
  return untaggedHex(hex);
}

const IP_LENGTHS = [4, 16];

/** The 4 bytes of an IPv4 address in plain decimals (no leading zero, each at most 255), or null. */
function ipv4Bytes(ip: string): Buffer | null {
  if (ip.length < 7 || ip.length > 15) return null;
  const out = Buffer.allocUnsafe(4);
  let part = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= ip.length; i++) {
    const code = i < ip.length ? ip.charCodeAt(i) : 46;
    if (code === 46) {
      if (digits === 0 || part === 4) return null;
      out[part++] = value;
      value = 0;
      digits = 0;
    } else if (code >= 48 && code <= 57 && !(digits === 1 && value === 0)) {
      value = value * 10 + code - 48;
      if (value > 255) return null;
      digits++;
    } else return null;
  }
  return part === 4 ? out : null;
}

/**
 * An address as its 4 (IPv4) or 16 (IPv6) bytes when it is written the canonical way (plain decimals;
 * RFC 5952), which is how the request path records it; anything else as tagged text. A CIDR filter is a
 * byte range over addresses of one length (see storedIpRange).
 */
export function storedIp(ip: string | null): Buffer | null {
  if (ip === null) return null;
  const ipv4 = ipv4Bytes(ip);
  if (ipv4) return ipv4;
  if (isIP(ip) === 6 && !ip.includes('%')) {
    const address = ipaddr.IPv6.parse(ip);
    if (address.toRFC5952String() === ip) return Buffer.from(address.toByteArray());
  }
  return taggedText(ip, IP_LENGTHS);
}

export function ipFromStored(stored: Uint8Array | null): string | null {
  if (stored === null) return null;
  if (stored.length === 4) return `${stored[0]}.${stored[1]}.${stored[2]}.${stored[3]}`;
  if (stored.length === 16)
    return (ipaddr.fromByteArray(Array.from(stored)) as ipaddr.IPv6).toRFC5952String();
  return untaggedText(stored);
}

const hexByte = (hex: string, i: number) =>
  (HEX_VALUE[hex.charCodeAt(2 * i)]! << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)]!;

const hexGroup = (hex: string, i: number) => (hexByte(hex, 2 * i) << 8) | hexByte(hex, 2 * i + 1);

/**
 * The RFC 5952 text of the IPv6 address `hex` spells (32 digits), as ipaddr.js writes it: groups in
 * lower-case hex without leading zeros, the longest run of two or more zero groups (the first of equal
 * runs) as `::`. Without parsing the bytes into an address object first: an export formats many.
 */
function ipv6FromHex(hex: string): string {
  let runStart = -1;
  let runLength = 0;
  for (let i = 0; i < 8;) {
    if (hexGroup(hex, i) !== 0) {
      i++;
      continue;
    }
    let end = i + 1;
    while (end < 8 && hexGroup(hex, end) === 0) end++;
    if (end - i >= 2 && end - i > runLength) {
      runStart = i;
      runLength = end - i;
    }
    i = end;
  }
  const groups = (from: number, to: number) => {
    let text = '';
    for (let i = from; i < to; i++) text += (i > from ? ':' : '') + hexGroup(hex, i).toString(16);
    return text;
  };
  if (runStart < 0) return groups(0, 8);
  return `${groups(0, runStart)}::${groups(runStart + runLength, 8)}`;
}

/** ipFromStored of a column read as hex text (see hexOf); SQLite's hex() makes null ''. */
export function ipFromHex(hex: string | null): string | null {
  if (!hex) return null;
  if (hex.length === 8) return `${hexByte(hex, 0)}.${hexByte(hex, 1)}.${hexByte(hex, 2)}.${hexByte(hex, 3)}`;
  if (hex.length === 32) return ipv6FromHex(hex);
  return untaggedHex(hex);
}

/**
 * The stored bounds of a CIDR block (`203.0.113.0/24`, `2001:db8::/32`). A filter must compare
 * `ip >= low and ip <= high` AND `length(ip) = low.length`: under byte order a longer value that starts
 * like a bound sorts between the bounds.
 */
export function storedIpRange(cidr: string): { low: Buffer; high: Buffer } {
  const [address, bits] = ipaddr.parseCIDR(cidr);
  const low = Buffer.from(address.toByteArray());
  const high = Buffer.from(low);
  for (let bit = bits; bit < low.length * 8; bit++) {
    const mask = 0x80 >> (bit % 8);
    low[bit >> 3]! &= ~mask;
    high[bit >> 3]! |= mask;
  }
  return { low, high };
}

// The masked form of a default-format licence key (maskLicenseKey in mask.ts): only its last four
// characters carry anything.
const DEFAULT_MASK_HEAD = 'XXXX-XXXX-XXXX-';
const FULL_MASK_TAG = '~';

/** A masked licence key as its last four characters when it has the default shape; else `~` + the mask. */
export function storedLicenseKeyMask(mask: string | null): string | null {
  if (mask === null) return null;
  if (mask.length === DEFAULT_MASK_HEAD.length + 4 && mask.startsWith(DEFAULT_MASK_HEAD)) {
    const tail = mask.slice(DEFAULT_MASK_HEAD.length);
    if (!tail.startsWith(FULL_MASK_TAG)) return tail;
  }
  return FULL_MASK_TAG + mask;
}

export function licenseKeyMaskFromStored(stored: string | null): string | null {
  if (stored === null) return null;
  return stored.startsWith(FULL_MASK_TAG) ? stored.slice(1) : DEFAULT_MASK_HEAD + stored;
}

/**
 * The key of a route pattern or user agent in its dictionary table (`log_endpoints`,
 * `log_user_agents`): unique and of fixed size whatever the text's length (a PostgreSQL index entry has
 * a size limit a long user agent could pass).
 */
export function dictionaryHash(text: string): Buffer {
  return createHash('sha256').update(text).digest().subarray(0, 16);
}
