import { describe, expect, it } from 'vitest';
import {
  maskApiKey,
  maskLicenseKey,
  maskSessionToken,
  maskText,
  maskUrl,
  sanitizeBody,
  sanitizeHeaders,
  sanitizeValueDeep,
} from './mask.js';

describe('masking', () => {
  it('shows an API key as its prefix, the first 3 and the last 3 random characters', () => {
    expect(maskApiKey('km_live_abcDEF0123456789abcdefGHIJKLMxyz')).toBe('km_live_abc...xyz');
    expect(maskApiKey('km_test_Q1w2E3r4T5y6U7i8O9p0A1s2D3f4G5h6')).toBe('km_test_Q1w...5h6');
  });

  it('redacts the user information of URLs in free text', () => {
    expect(maskText('posting to https://ops:hunter2@hooks.example.com/in?x=1 failed')).toBe(
      'posting to https://[REDACTED]@hooks.example.com/in?x=1 failed',
    );
    expect(maskText('smtp://mailer:p%40ss@127.0.0.1:25')).toBe('smtp://[REDACTED]@127.0.0.1:25');
    expect(maskText('mail me at ops@example.com, see https://example.com/a@b')).toBe(
      'mail me at ops@example.com, see https://example.com/a@b',
    );
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

describe('masking free text, bodies, headers and URLs', () => {
  const apiKey = 'km_live_abcDEF0123456789abcdefGHIJKLMxyz';

  it('finds every secret shape inside any string', () => {
    const text = `key ABCD-EFGH-JKMN-7K2M with ${apiKey} and sess_a4f8d2c1b9e7f6a5 by Bearer abc.def.ghi`;
    expect(maskText(text)).toBe(
      'key XXXX-XXXX-XXXX-7K2M with km_live_abc...xyz and sess_a4f8d2c1... by Bearer [REDACTED]',
    );
  });

  it('escapes line breaks, ANSI escapes and other control characters', () => {
    expect(maskText('ua\r\n{"forged":1}\u001b[31m\u2028')).toBe(
      'ua\\u000d\\u000a{"forged":1}\\u001b[31m\\u2028',
    );
  });

  it('redacts secret-named fields at any depth and masks licence keys by field name', () => {
    expect(
      sanitizeValueDeep({
        password: 'p',
        a: [{ client_secret: 's', Authorization: 'x', key: 'my-custom-licence-0042' }],
        note: `see ${apiKey}`,
      }),
    ).toEqual({
      password: '[REDACTED]',
      a: [{ client_secret: '[REDACTED]', Authorization: '[REDACTED]', key: 'XX-XXXXXX-XXXXXXX-0042' }],
      note: 'see km_live_abc...xyz',
    });
  });

  it('redacts second factors: TOTP codes, recovery codes, enrolment secrets', () => {
    expect(
      sanitizeValueDeep({
        totp_code: '123456',
        recovery_code: 'abcd-efgh-jkmn-pqrs',
        recovery_codes: ['abcd-efgh-jkmn-pqrs'],
        otpauth_url: 'otpauth://totp/KeyManager:a?secret=X',
        qr_code: 'data:image/png;base64,AAAA',
        footprint: 'kept',
      }),
    ).toEqual({
      totp_code: '[REDACTED]',
      recovery_code: '[REDACTED]',
      recovery_codes: '[REDACTED]',
      otpauth_url: '[REDACTED]',
      qr_code: '[REDACTED]',
      footprint: 'kept',
    });
  });

  it('caps a body at 8 KiB on a character boundary and says so', () => {
    const { text, truncated } = sanitizeBody({ note: 'é'.repeat(10_000) });
    expect(truncated).toBe(true);
    expect(Buffer.byteLength(text!)).toBeLessThanOrEqual(8192);
    expect(text).not.toContain('\ufffd');
    expect(sanitizeBody({ a: 1 })).toEqual({ text: '{"a":1}', truncated: false });
  });

  it('redacts credential headers and masks the rest', () => {
    expect(
      sanitizeHeaders({ authorization: `Bearer ${apiKey}`, cookie: 'km_session=sess_x', 'x-note': apiKey }),
    ).toEqual({ authorization: '[REDACTED]', cookie: '[REDACTED]', 'x-note': 'km_live_abc...xyz' });
  });

  it('masks licence keys in paths and secret parameters in query strings', () => {
    expect(maskUrl(`/api/v1/licenses/ABCD-EFGH-JKMN-7K2M?token=t0k&license_key=my-key-12345&q=ok`)).toBe(
      '/api/v1/licenses/XXXX-XXXX-XXXX-7K2M?token=[REDACTED]&license_key=XX-XXX-X2345&q=ok',
    );
    expect(maskUrl(`/x?api_key=${encodeURIComponent(apiKey)}`)).toBe('/x?api_key=[REDACTED]');
  });
});
