import { randomBytes, randomInt } from 'node:crypto';
import base32Encode from 'base32-encode';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Uniform base62 string from the CSPRNG (randomInt rejects biased draws). */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}

/** Crockford base32 of `bytes` CSPRNG bytes: 5 bits per character, no padding. */
export function randomCrockford(bytes: number): string {
  return base32Encode(randomBytes(bytes), 'Crockford');
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
