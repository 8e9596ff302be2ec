import { describe, expect, it } from 'vitest';
import { normalizeIp, parseIpOrCidr } from './ip-address.js';
import { createIpMatcher, ipv4Value } from './ip-matcher.js';

describe('normalizeIp', () => {
  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    [' 1.2.3.4 ', '1.2.3.4'],
    // IPv4-mapped IPv6, in every spelling, is the IPv4 address.
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::FFFF:1.2.3.4', '1.2.3.4'],
    ['::ffff:0102:0304', '1.2.3.4'],
    ['0:0:0:0:0:ffff:102:304', '1.2.3.4'],
    ['0000:0000:0000:0000:0000:ffff:0102:0304', '1.2.3.4'],
    // IPv6: lower case, compressed (RFC 5952), longest zero run compressed, single zero group not.
    ['2001:DB8::1', '2001:db8::1'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['::', '::'],
    ['fe80::1%eth0', 'fe80::1'],
    ['FE80::ABCD%en0', 'fe80::abcd'],
    // Not mapped: the IPv4-compatible (deprecated) and IPv4-translated forms stay IPv6.
    ['::1.2.3.4', '::102:304'],
    ['::102:304', '::102:304'],
    ['::ffff:0:1.2.3.4', '::ffff:0:102:304'],
    ['64:ff9b::1.2.3.4', '64:ff9b::102:304'],
    // What proxies may write around an address in X-Forwarded-For.
    ['1.2.3.4:5678', '1.2.3.4'],
    ['[2001:db8::1]', '2001:db8::1'],
    ['[2001:db8::1]:443', '2001:db8::1'],
    ['[::ffff:1.2.3.4]:80', '1.2.3.4'],
  ])('%j → %j', (raw, expected) => {
    expect(normalizeIp(raw)).toBe(expected);
  });

  it.each([
    '',
    'garbage',
    'unknown',
    '010.0.0.1',
    '01.2.3.4',
    '1.2.3.04',
    '0x7f.0.0.1',
    '0x7f000001',
    '2130706433',
    '127.1',
    '10.1.1',
    '256.0.0.1',
    '1.2.3.4.5',
    '1.2.3',
    '::ffff:010.0.0.1',
    '1::2::3',
    '12345::1',
    '1:2:3:4:5:6:7:8:9',
    '[1.2.3.4]',
    '[2001:db8::1',
    '1.2.3.4:port',
    '1.2.3.4/32',
    'fe80::1%',
  ])('%j is not an address', (raw) => {
    expect(normalizeIp(raw)).toBeNull();
  });

  it('takes nothing but strings', () => {
    expect(normalizeIp(undefined)).toBeNull();
    expect(normalizeIp(null)).toBeNull();
  });
});

describe('parseIpOrCidr', () => {
  const text = (value: string) => {
    const result = parseIpOrCidr(value);
    if (!result.ok) throw new Error(`${value}: ${result.message}`);
    return result.range.text;
  };
  const message = (value: string) => {
    const result = parseIpOrCidr(value);
    if (result.ok) throw new Error(`${value} was accepted as ${result.range.text}`);
    return result.message;
  };

  it.each([
    ['1.2.3.4', '1.2.3.4'],
    ['1.2.3.4/32', '1.2.3.4'],
    ['10.0.0.0/8', '10.0.0.0/8'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['192.168.1.0/24', '192.168.1.0/24'],
    ['  192.168.1.0/24 ', '192.168.1.0/24'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['2001:0db8:0000::/48', '2001:db8::/48'],
    ['2001:db8::1/128', '2001:db8::1'],
    ['::/0', '::/0'],
    ['::1', '::1'],
    ['::ffff:1.2.3.4', '1.2.3.4'],
    ['::ffff:1.2.3.4/128', '1.2.3.4'],
    ['::ffff:10.0.0.0/104', '10.0.0.0/8'],
    ['::ffff:0:0/96', '0.0.0.0/0'],
    ['::1.2.3.4', '::102:304'],
  ])('%j is stored as %j', (value, expected) => {
    expect(text(value)).toBe(expected);
  });

  it.each(['010.0.0.1', '0x7f.1', '127.1', '0x7f000001', '1.2.3.04', '0177.0.0.1/8'])(
    'refuses the ambiguous IPv4 form %j, saying why',
    (value) => {
      expect(message(value)).toMatch(/not a plain IPv4 address.*without leading zeros/);
    },
  );

  it.each([
    ['10.0.0.5/24', /host bits set.*10\.0\.0\.0\/24/],
    ['2001:db8::1/32', /host bits set.*2001:db8::\/32/],
    ['1.2.3.4/33', /at most 32/],
    ['::/129', /at most 128/],
    ['10.0.0.0/08', /without leading zeros/],
    ['10.0.0.0/', /must be a decimal number/],
    ['10.0.0.0/x', /must be a decimal number/],
    ['10.0.0.0/8/8', /not an address or a CIDR range/],
    ['::ffff:1.2.3.4/64', /prefix of at least 96/],
    ['fe80::1%eth0', /zone id/],
    ['::ffff:010.0.0.1', /IPv4 part/],
    ['example.com', /not an IP address/],
    ['', /is empty/],
    ['   ', /is empty/],
    ['1'.repeat(65), /longer than 64/],
  ])('refuses %j', (value, reason) => {
    expect(message(value)).toMatch(reason);
  });
});

describe('ipv4Value', () => {
  it.each([
    ['0.0.0.0', 0],
    ['1.2.3.4', 0x01020304],
    ['255.255.255.255', 0xffffffff],
    ['10.0.0.1', 0x0a000001],
  ])('%s is %d', (text, value) => {
    expect(ipv4Value(text)).toBe(value);
  });

  it.each(['', '1.2.3', '1.2.3.4.5', '01.2.3.4', '256.1.1.1', '1..2.3', '1.2.3.4 ', '::1', '1.2.3.1000'])(
    '%j is not a canonical dotted quad',
    (text) => {
      expect(ipv4Value(text)).toBe(-1);
    },
  );
});

describe('createIpMatcher', () => {
  const matcher = createIpMatcher<string>([
    ['10.0.0.0/8', 'ten'],
    ['10.1.0.0/16', 'ten-one'],
    ['10.1.2.3', 'host'],
    ['0.0.0.0/0', 'all-v4'],
    ['2001:db8::/32', 'doc'],
    ['2001:db8:1::/48', 'doc-one'],
    ['2001:db8:1::5', 'doc-host'],
    ['::ffff:192.0.2.0/120', 'mapped-range'],
  ]);

  it.each([
    ['10.1.2.3', 'host'],
    ['10.1.2.4', 'ten-one'],
    ['10.2.0.1', 'ten'],
    ['11.0.0.1', 'all-v4'],
    ['::ffff:10.1.2.3', 'host'],
    ['::FFFF:10.2.0.1', 'ten'],
    ['192.0.2.77', 'mapped-range'],
    ['2001:db8:1::5', 'doc-host'],
    ['2001:DB8:1:0::5', 'doc-host'],
    ['2001:db8:1::6', 'doc-one'],
    ['2001:db8:2::1', 'doc'],
    ['2001:db8:ffff:ffff:ffff:ffff:ffff:ffff', 'doc'],
  ])('%s → %s, the most specific entry first', (ip, expected) => {
    expect(matcher.find(ip)).toBe(expected);
  });

  it('never matches IPv6 against IPv4 entries or the other way round (mapped addresses aside)', () => {
    const v4Only = createIpMatcher([['0.0.0.0/0', 'v4']]);
    const v6Only = createIpMatcher([['::/0', 'v6']]);
    expect(v4Only.find('::1')).toBeUndefined();
    expect(v4Only.find('2001:db8::1')).toBeUndefined();
    expect(v4Only.find('::102:304')).toBeUndefined();
    expect(v4Only.find('::ffff:1.2.3.4')).toBe('v4');
    expect(v6Only.find('1.2.3.4')).toBeUndefined();
    expect(v6Only.find('::ffff:1.2.3.4')).toBeUndefined();
    expect(v6Only.find('::1')).toBe('v6');
  });

  it('matches /32 and /128 as single addresses and leaves neighbours alone', () => {
    const m = createIpMatcher([
      ['192.0.2.1/32', 'v4'],
      ['2001:db8::1/128', 'v6'],
    ]);
    expect(m.find('192.0.2.1')).toBe('v4');
    expect(m.find('192.0.2.2')).toBeUndefined();
    expect(m.find('2001:db8::1')).toBe('v6');
    expect(m.find('2001:db8::2')).toBeUndefined();
  });

  it('matches ranges at every prefix length at their edges', () => {
    for (let prefix = 1; prefix < 32; prefix++) {
      const m = createIpMatcher([[`128.0.0.0/${prefix}`, prefix]]);
      const last = (0x80000000 + 2 ** (32 - prefix) - 1) >>> 0;
      const text = (n: number) => [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
      expect(m.find(text(last)), `/${prefix} last`).toBe(prefix);
      expect(m.find(text(last + 1)), `/${prefix} after`).toBeUndefined();
      expect(m.find('127.255.255.255'), `/${prefix} before`).toBeUndefined();
    }
    for (const prefix of [1, 15, 16, 17, 31, 33, 64, 100, 127]) {
      const m = createIpMatcher([[`8000::/${prefix}`, prefix]]);
      expect(m.find('8000::'), `/${prefix} first`).toBe(prefix);
      expect(m.find('7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff'), `/${prefix} before`).toBeUndefined();
    }
    const m64 = createIpMatcher([['2001:db8:0:1::/64', 'net']]);
    expect(m64.find('2001:db8:0:1:ffff:ffff:ffff:ffff')).toBe('net');
    expect(m64.find('2001:db8:0:2::')).toBeUndefined();
  });

  it('skips entries the caller does not accept and finds the next', () => {
    const m = createIpMatcher([
      ['10.0.0.1', 'expired'],
      ['10.0.0.1', 'live'],
      ['10.0.0.0/8', 'range'],
    ]);
    expect(m.find('10.0.0.1', (item) => item !== 'expired')).toBe('live');
    expect(m.find('10.0.0.1', (item) => item === 'range')).toBe('range');
    expect(m.find('10.0.0.1', () => false)).toBeUndefined();
  });

  it('reports entries it cannot read and leaves them out', () => {
    const invalid: string[] = [];
    const m = createIpMatcher(
      [
        ['010.0.0.1', 'octal'],
        ['10.0.0.1', 'fine'],
      ],
      (value) => invalid.push(value),
    );
    expect(invalid).toEqual(['010.0.0.1']);
    expect(m.size).toBe(1);
    expect(m.find('8.0.0.1')).toBeUndefined();
  });

  it('finds nothing for garbage', () => {
    expect(matcher.find('garbage')).toBeUndefined();
    expect(matcher.find('')).toBeUndefined();
  });
});
