import { describe, expect, it } from 'vitest';
import type { SinkEntry } from '../sink-types.js';
import {
  cefEvent,
  escapeCefHeader,
  escapeCefValue,
  escapeParamValue,
  formatRfc5424,
  octetCounted,
} from './syslog.js';

const entry = (fields: Record<string, unknown>): SinkEntry => ({
  log: 'blocked',
  seq: 7,
  fields: { id: 'log_01jh8v7w9x0y1z2a3b4c5d6e7f', timestamp: '2026-01-02T03:04:05.678Z', ...fields },
});

describe('RFC 5424 structured data', () => {
  it.each([
    ['a"b', 'a\\"b'],
    ['a]b', 'a\\]b'],
    ['a\\b', 'a\\\\b'],
    ['a\\"]', 'a\\\\\\"\\]'],
    ['line\r\nbreak', 'line\r\nbreak'],
    ['a=b|c', 'a=b|c'],
  ])('escapes %j as %j', (value, escaped) => {
    expect(escapeParamValue(value)).toBe(escaped);
  });

  it('writes the header, one SD-ELEMENT with every field that has a value, and a summary', () => {
    const line = formatRfc5424(
      entry({ block_reason: 'IP_BLOCKLISTED', method: 'GET', path: '/x\n', threat_score: 50, rule_id: null }),
      'host name',
    );
    expect(line).toBe(
      '<108>1 2026-01-02T03:04:05.678Z hostname keymanager - blocked [keymanager@32473 log="blocked" seq="7" ' +
        'id="log_01jh8v7w9x0y1z2a3b4c5d6e7f" timestamp="2026-01-02T03:04:05.678Z" block_reason="IP_BLOCKLISTED" ' +
        'method="GET" path="/x\n" threat_score="50"] blocked GET /x  IP_BLOCKLISTED',
    );
  });

  it('counts octets, not characters, in the frame', () => {
    expect(octetCounted('é ü').toString('utf8')).toBe('5 é ü');
  });
});

describe('CEF', () => {
  it('escapes header and extension by their own rules', () => {
    expect(escapeCefHeader('a|b\\c\r\nd')).toBe('a\\|b\\\\c d');
    expect(escapeCefValue('a=b\\c\r\nd|e')).toBe('a\\=b\\\\c\\r\\nd|e');
  });

  it('maps fields to CEF keys with labels for the custom ones', () => {
    const event = cefEvent(
      entry({
        block_reason: 'SQL_INJECTION_ATTEMPT',
        method: 'POST',
        path: '/p',
        ip: '203.0.113.9',
        threat_score: 85,
      }),
      '1',
    );
    expect(event).toBe(
      'CEF:0|KeyManager|KeyManager|1|SQL_INJECTION_ATTEMPT|blocked POST /p SQL_INJECTION_ATTEMPT|9|' +
        'rt=1767323045678 cat=blocked cn3=7 externalId=log_01jh8v7w9x0y1z2a3b4c5d6e7f reason=SQL_INJECTION_ATTEMPT ' +
        'requestMethod=POST request=/p src=203.0.113.9 cn2=85 cn2Label=threat_score cn3Label=seq',
    );
  });
});
