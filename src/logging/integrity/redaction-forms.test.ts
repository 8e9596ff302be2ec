import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { truncateIp } from './redaction.js';

/** The /24 of an IPv4 address through the parser, as truncateIp gave it before its plain-decimal path. */
const parsedNetwork = (ip: string) => `${ipaddr.IPv4.networkAddressFromCIDR(`${ip}/24`).toString()}/24`;

describe('truncateIp on addresses in plain decimals', () => {
  it('gives what the parser gives, for every octet value and length', () => {
    for (let i = 0; i < 2000; i++) {
      const ip = Array.from({ length: 4 }, (_, k) => ((i * 7919 + k * 104729) >> k) % 256).join('.');
      expect(truncateIp(ip), ip).toBe(parsedNetwork(ip));
    }
    for (const ip of ['0.0.0.0', '255.255.255.255', '10.0.0.1', '1.22.133.4']) {
      expect(truncateIp(ip)).toBe(parsedNetwork(ip));
    }
  });

  it('leaves other forms to the parser', () => {
    expect(truncateIp('010.0.0.1')).toBe(truncateIp('8.0.0.1'));
    expect(truncateIp('256.1.1.1')).toBeNull();
    expect(truncateIp('1.2.3')).toBe('1.2.0.0/24');
    expect(truncateIp('203.0.113.0/24')).toBe('203.0.113.0/24');
    expect(truncateIp('::ffff:203.0.113.9')).toBe('203.0.113.0/24');
    expect(truncateIp('1.2.3.4.5')).toBeNull();
  });
});
