import { describe, expect, it } from 'vitest';
import { maskApiKey, maskLicenseKey, maskSessionToken } from './mask.js';

describe('masking', () => {
  it('shows an API key as its prefix, the first 3 and the last 3 random characters', () => {
    expect(maskApiKey('km_live_abcDEF0123456789abcdefGHIJKLMxyz')).toBe('km_live_abc...xyz');
    expect(maskApiKey('km_test_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6')).toBe('km_test_Q1w...5h6');
  });

  it('redacts anything that is not a well-formed API key entirely', () => {
    expect(maskApiKey('not-a-key-but-secret')).toBe('[REDACTED]');
  });

  it('replaces all but the last 4 characters of a licence key, keeping the dashes', () => {
    expect(maskLicenseKey('ABCD-EFGH-JKMN-7K2M')).toBe('XXXX-XXXX-XXXX-7K2M');
    expect(maskLicenseKey('my-custom-licence-0042')).toBe('XX-XXXXXX-XXXXXXX-0042');
  });

  it('shows a session token as sess_ and its first 8 random characters', () => {
    expect(maskSessionToken('sess_a4f8d2c1b9e7f6a5d4c3b2a1')).toBe('sess_a4f8d2c1...');
  });
});
