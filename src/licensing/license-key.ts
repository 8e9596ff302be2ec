import { randomCrockford } from '../shared/random.js';

/** `XXXX-XXXX-XXXX-XXXX`: 80 bits from the CSPRNG, Crockford base32 so it reads aloud without ambiguity. */
export function generateLicenseKey(): string {
  return randomCrockford(10).match(/.{4}/g)!.join('-');
}

/** Custom keys: 8–128 printable ASCII characters, no control characters, no surrounding spaces. */
export const CUSTOM_KEY_PATTERN = '^[\\x21-\\x7E][\\x20-\\x7E]{6,126}[\\x21-\\x7E]$';
