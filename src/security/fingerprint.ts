import { createHash } from 'node:crypto';

/**
 * The traits that stay the same across one client's requests and differ between clients: its address
 * (normalised by the caller: IPv4-mapped IPv6 folded, so one machine has one value) and the headers its
 * HTTP stack sets on every request. Left out on purpose: the path, method, query and body (they change
 * with every call, and one client's different calls must share a fingerprint), the content length and
 * type (follow the body), and credentials and cookies (secrets must not feed a value that is logged, and a
 * guesser rotating keys would otherwise get a new fingerprint per guess).
 */
export interface FingerprintTraits {
  ip: string;
  userAgent?: string | string[] | undefined;
  accept?: string | string[] | undefined;
  acceptLanguage?: string | string[] | undefined;
  acceptEncoding?: string | string[] | undefined;
}

function trait(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value.join(',') : (value ?? '')).trim();
}

/**
 * `hash_` + the first 16 hex digits (64 bits) of SHA-256 over the traits: a stable, opaque label for
 * grouping and banning one client; among a million distinct clients the chance that any two collide is
 * about 3 × 10⁻⁸. JSON keeps the fields apart (no `a|b` vs `a`, `|b` ambiguity).
 */
export function requestFingerprint(traits: FingerprintTraits): string {
  const material = JSON.stringify([
    traits.ip,
    trait(traits.userAgent),
    trait(traits.accept),
    trait(traits.acceptLanguage),
    trait(traits.acceptEncoding),
  ]);
  return `hash_${createHash('sha256').update(material).digest('hex').slice(0, 16)}`;
}
