import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signatureHeaders, verifySignature } from './hmac-signature.js';

describe('HMAC signatures', () => {
  const now = new Date('2026-12-05T12:00:00.000Z');
  const body = '{"entries":[1,2,3]}';

  it('signs HMAC-SHA256 over the timestamp and body, as documented for receivers', () => {
    const headers = signatureHeaders('s3cret', body, now);
    const expected = createHmac('sha256', 's3cret').update(`1796472000.${body}`).digest('hex');
    expect(headers).toEqual({ [SIGNATURE_HEADER]: `v1=${expected}`, [TIMESTAMP_HEADER]: '1796472000' });
  });

  it('verifies its own signature and refuses a changed body, another secret or a stale timestamp', () => {
    const headers = signatureHeaders('s3cret', body, now);
    const sig = headers[SIGNATURE_HEADER];
    const ts = headers[TIMESTAMP_HEADER];
    expect(verifySignature('s3cret', body, sig, ts, now)).toBe(true);
    expect(verifySignature('s3cret', body + ' ', sig, ts, now)).toBe(false);
    expect(verifySignature('other', body, sig, ts, now)).toBe(false);
    expect(verifySignature('s3cret', body, sig, ts, new Date(now.getTime() + 301_000))).toBe(false);
    expect(verifySignature('s3cret', body, undefined, ts, now)).toBe(false);
    expect(verifySignature('s3cret', body, sig, 'yesterday', now)).toBe(false);
  });
});
