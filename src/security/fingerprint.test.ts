import { describe, expect, it } from 'vitest';
import { requestFingerprint } from './fingerprint.js';

const client = {
  ip: '203.0.113.9',
  userAgent: 'acme-sdk/2.1 (linux)',
  accept: 'application/json',
  acceptLanguage: 'en-GB,en;q=0.9',
  acceptEncoding: 'gzip, br',
};

describe('request fingerprint', () => {
  it('is hash_ and 16 hex digits, the same for every request of one client', () => {
    const fingerprint = requestFingerprint(client);
    expect(fingerprint).toMatch(/^hash_[0-9a-f]{16}$/);
    expect(requestFingerprint({ ...client })).toBe(fingerprint);
    expect(requestFingerprint({ ...client, userAgent: [' acme-sdk/2.1 (linux) '] })).toBe(fingerprint);
  });

  it('differs when any trait differs', () => {
    const fingerprints = new Set([
      requestFingerprint(client),
      requestFingerprint({ ...client, ip: '203.0.113.10' }),
      requestFingerprint({ ...client, userAgent: 'acme-sdk/2.2 (linux)' }),
      requestFingerprint({ ...client, accept: '*/*' }),
      requestFingerprint({ ...client, acceptLanguage: 'de' }),
      requestFingerprint({ ...client, acceptEncoding: 'identity' }),
      requestFingerprint({ ...client, acceptEncoding: undefined }),
    ]);
    expect(fingerprints.size).toBe(7);
  });

  it('does not mix up fields whose values would join the same', () => {
    expect(requestFingerprint({ ip: '::1', userAgent: 'a', accept: '' })).not.toBe(
      requestFingerprint({ ip: '::1', userAgent: '', accept: 'a' }),
    );
  });
});
