import { describe, expect, it } from 'vitest';
import { createCountryLookup } from './country-lookup.js';

// Checked against the shipped database; these blocks are registered to these countries at their RIRs.
describe('createCountryLookup', () => {
  const lookup = createCountryLookup();

  it.each([
    ['8.8.8.8', 'US'], // Google, ARIN
    ['193.0.6.139', 'NL'], // RIPE NCC, Amsterdam
    ['133.242.0.3', 'JP'], // Sakura Internet, JPNIC
    ['81.2.69.142', 'GB'],
    ['2001:4860:4860::8888', 'US'],
    ['2001:67c:2e8:22::c100:68b', 'NL'], // RIPE NCC
    ['::ffff:8.8.8.8', 'US'], // mapped: the IPv4 address it carries
    ['2001:4860:4860:0:0:0:0:8888', 'US'],
  ])('%s is in %s', (ip, country) => {
    expect(lookup.country(ip)).toBe(country);
  });

  it('answers a repeated lookup the same way', () => {
    expect([lookup.country('193.0.6.139'), lookup.country('193.0.6.139')]).toEqual(['NL', 'NL']);
    expect([lookup.country('10.0.0.1'), lookup.country('10.0.0.1')]).toEqual([null, null]);
  });

  it.each([
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '127.0.0.1',
    '::1',
    '169.254.1.1',
    '100.64.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '192.0.2.1',
    'fe80::1',
    'fc00::1',
    '2001:db8::1',
    'not an address',
    '010.0.0.1',
  ])('%s has no country', (ip) => {
    expect(lookup.country(ip)).toBeNull();
  });
});
