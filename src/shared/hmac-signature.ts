import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Signatures on everything KeyManager sends out (log sinks, event webhooks, alert webhooks), in one
 * scheme so a receiver verifies all of them the same way: HMAC-SHA256 over `<unix seconds>.<body>`,
 * sent as `v1=<hex>` beside the timestamp. Binding the timestamp lets a receiver refuse replays.
 */
export const SIGNATURE_HEADER = 'keymanager-signature';
export const TIMESTAMP_HEADER = 'keymanager-timestamp';
/** How old a signed request may be when verified (seconds), unless the caller says otherwise. */
export const DEFAULT_SIGNATURE_TOLERANCE_SECONDS = 300;

export function signPayload(secret: string, timestampSeconds: number, body: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestampSeconds}.`);
  mac.update(body);
  return `v1=${mac.digest('hex')}`;
}

/** The two headers to send with `body`, signed at `now`. */
export function signatureHeaders(secret: string, body: string | Buffer, now: Date): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    [SIGNATURE_HEADER]: signPayload(secret, timestamp, body),
    [TIMESTAMP_HEADER]: String(timestamp),
  };
}

/** True when `signature` is this body's signature and `timestamp` is within the tolerance of `now`. */
export function verifySignature(
  secret: string,
  body: string | Buffer,
  signature: string | undefined,
  timestamp: string | undefined,
  now: Date,
  toleranceSeconds = DEFAULT_SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  if (!signature || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  const seconds = Number(timestamp);
  if (Math.abs(now.getTime() / 1000 - seconds) > toleranceSeconds) return false;
  const expected = Buffer.from(signPayload(secret, seconds, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
