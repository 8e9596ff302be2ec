import { describe, expect, it } from 'vitest';
import { lineCompactor, lineExpander } from './archive-references.js';

describe('caller references in API-call archives', () => {
  const caller = {
    license_key: 'XXXX-XXXX-XXXX-7K2M',
    license_key_hash: 'ab'.repeat(32),
    license_id: 'lic_01jxcccccccccccccccccccccc',
    ip: '203.0.113.7',
    user_agent: 'KeyManager-SDK/2.3.1',
  };
  const lines = [
    { id: 'log_1', status: 200, ...caller },
    { id: 'log_2', status: 200, ip: '198.51.100.1' },
    { id: 'log_3', status: 200, ...caller },
    // The same key, refused before its licence was found: no licence, another address.
    { id: 'log_4', status: 404, ...caller, license_id: undefined, ip: '2001:db8::1' },
    { id: 'log_5', status: 200, ...caller, user_agent: undefined },
  ].map((line) => JSON.parse(JSON.stringify(line)) as Record<string, unknown>);

  it('states a returning caller as a reference and the fields that differ, and reads back every line as it was', () => {
    const compact = lineCompactor('api_calls');
    const written = lines.map((line) => compact({ ...line }));
    expect(written[2]).toEqual({ id: 'log_3', status: 200, ref: 2 });
    expect(written[3]).toEqual({ id: 'log_4', status: 404, ref: 1, license_id: null, ip: '2001:db8::1' });
    expect(written[4]).toEqual({
      id: 'log_5',
      status: 200,
      ref: 1,
      license_id: caller.license_id,
      ip: caller.ip,
      user_agent: null,
    });
    const expand = lineExpander('api_calls');
    const read = written.map((line) => expand(JSON.parse(JSON.stringify(line))));
    expect(read).toEqual(lines);
  });

  it('leaves the other logs as they are', () => {
    const compact = lineCompactor('blocked');
    expect(lines.map((line) => compact(line))).toEqual(lines);
  });

  it('refuses a reference outside the file', () => {
    expect(() => lineExpander('api_calls')({ id: 'log_1', ref: 3 })).toThrow('outside the file');
  });
});
