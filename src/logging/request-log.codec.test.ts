import { describe, expect, it } from 'vitest';
import {
  idFromBytes,
  idFromHex,
  idToBytes,
  ipFromHex,
  ipFromStored,
  licenseKeyMaskFromStored,
  referenceFromHex,
  referenceFromStored,
  storedIp,
  storedIpRange,
  storedLicenseKeyMask,
  storedReference,
} from './request-log.codec.js';

/** A stored value as SQLite (upper case) and PostgreSQL (lower case) read it as hex text. */
const hexForms = (stored: Buffer) => [stored.toString('hex'), stored.toString('hex').toUpperCase()];

describe('request-log stored forms', () => {
  it('stores a generated id as its 16 bytes and any other id as text, each read back as written', () => {
    const id = 'cus_01jh8v7w9x0y1z2a3b4c5d6e7f';
    expect(storedReference('customer_id', id)).toHaveLength(16);
    expect(storedReference('customer_id', id)).toEqual(idToBytes(id));
    const odd = [
      'lic_01jh8v7w9x0y1z2a3b4c5d6e7f', // another column's prefix
      'cus_01JH8V7W9X0Y1Z2A3B4C5D6E7F', // upper case
      'cus_81jh8v7w9x0y1z2a3b4c5d6e7f', // above 128 bits
      'cus_01jh8v7w9x0y1z2a3b4c5d6e7', // short
      'cus_0123456789',
      '0123456789abcde', // 15 bytes: 16 with one tag, so tagged twice
      'cus_imported-ü',
      '',
    ];
    for (const value of [id, ...odd]) {
      const stored = storedReference('customer_id', value);
      if (value !== id) expect(stored!.length, value).not.toBe(16);
      expect(referenceFromStored('customer_id', stored)).toBe(value);
    }
    expect(storedReference('customer_id', null)).toBeNull();
    expect(referenceFromStored('customer_id', null)).toBeNull();
  });

  it('keeps byte order as id order, as cursors and time ranges need', () => {
    const ids = [
      'log_01jh8v7w9x0y1z2a3b4c5d6e7f',
      'log_01jh8v7w9x0y1z2a3b4c5d6e7g',
      'log_01jh8v7wa00000000000000000',
    ];
    const bytes = ids.map(idToBytes);
    expect([...bytes].sort(Buffer.compare)).toEqual(bytes);
    expect(bytes.map((b) => idFromBytes('log', b))).toEqual(ids);
  });

  it('stores canonical addresses as 4 or 16 bytes and any other text unchanged', () => {
    const cases: [string, number][] = [
      ['203.0.113.7', 4],
      ['0.0.0.0', 4],
      ['255.255.255.255', 4],
      ['2001:db8::7', 16],
      ['::1', 16],
      ['ff02::1:ff00:1', 16],
      ['::ffff:198.51.100.4', 20], // not RFC 5952's form of that address
      ['2001:DB8::7', 12],
      ['010.0.0.1', 10],
      ['10.0.0.00', 10],
      ['256.0.0.1', 10],
      ['1.2.3.4.5', 10],
      ['1..2.3', 7],
      ['1.2.3.', 7],
      ['1.2.3.4 ', 9],
      ['１.2.3.4', 10],
      ['fe80::1%eth0', 13],
      ['unknown', 8],
      ['1.2', 5], // 3 bytes: 4 with one tag, so tagged twice
    ];
    for (const [ip, length] of cases) {
      const stored = storedIp(ip)!;
      expect(stored.length, ip).toBe(length);
      expect(ipFromStored(stored)).toBe(ip);
    }
    expect(storedIp(null)).toBeNull();
  });

  it('turns a CIDR block into the stored bounds of its addresses', () => {
    const { low, high } = storedIpRange('203.0.113.0/24');
    expect([low, high]).toEqual([storedIp('203.0.113.0'), storedIp('203.0.113.255')]);
    const v6 = storedIpRange('2001:db8::/32');
    expect(ipFromStored(v6.low)).toBe('2001:db8::');
    expect(ipFromStored(v6.high)).toBe('2001:db8:ffff:ffff:ffff:ffff:ffff:ffff');
  });

  it('keeps four characters of a default-format masked licence key and every other mask whole', () => {
    expect(storedLicenseKeyMask('XXXX-XXXX-XXXX-7K2M')).toBe('7K2M');
    for (const mask of [
      'XXXX-XXXX-XXXX-7K2M',
      'XXXX-XXXX-XXXX-~K2M',
      'XXXXXXXXXXXX7K2M',
      'XXXX-XXXX-XXXX-XXXX-7K2M',
      'XXX',
      '~XXX',
      'XXXX',
      '',
    ]) {
      expect(licenseKeyMaskFromStored(storedLicenseKeyMask(mask))).toBe(mask);
    }
    expect(storedLicenseKeyMask(null)).toBeNull();
  });

  it('reads every stored form back the same from its hex text, in either case, as fast reads select it', () => {
    for (const id of [
      'log_01jh8v7w9x0y1z2a3b4c5d6e7f',
      'log_7zzzzzzzzzzzzzzzzzzzzzzzzz',
      'log_00000000000000000000000000',
    ]) {
      for (const hex of hexForms(idToBytes(id))) expect(idFromHex('log', hex)).toBe(id);
    }
    for (const id of [
      'cus_01jh8v7w9x0y1z2a3b4c5d6e7f',
      'cus_01JH8V7W9X0Y1Z2A3B4C5D6E7F',
      '0123456789abcde',
      'cus_imported-ü',
      '',
    ]) {
      for (const hex of hexForms(storedReference('customer_id', id)!)) {
        expect(referenceFromHex('customer_id', hex)).toBe(id);
      }
    }
    for (const ip of [
      '203.0.113.7',
      '0.0.0.0',
      '255.255.255.255',
      '2001:db8::7',
      '::1',
      '::ffff:198.51.100.4',
      '1.2',
      'unknown',
    ]) {
      for (const hex of hexForms(storedIp(ip)!)) expect(ipFromHex(hex)).toBe(ip);
    }
    // SQLite's hex() of null is '' (no stored form is empty); PostgreSQL's encode() of null is null.
    for (const none of ['', null]) {
      expect(referenceFromHex('customer_id', none)).toBeNull();
      expect(ipFromHex(none)).toBeNull();
    }
  });

  it('writes an IPv6 address read as hex exactly as ipaddr.js writes its bytes (RFC 5952)', () => {
    // Zero groups in every arrangement the compression rule distinguishes: none, one alone, runs at
    // the start, middle and end, two runs of equal and of different length, all zero.
    const patterns: number[][] = [];
    for (let mask = 0; mask < 256; mask++) {
      patterns.push(
        Array.from({ length: 8 }, (_, i) =>
          mask & (1 << i) ? 0 : [0x2001, 0xdb8, 0xabcd, 0xf, 0x10, 0x100, 0xffff, 0x1][i]!,
        ),
      );
    }
    for (const groups of patterns) {
      const bytes = Buffer.alloc(16);
      groups.forEach((group, i) => bytes.writeUInt16BE(group, 2 * i));
      for (const hex of hexForms(bytes)) expect(ipFromHex(hex)).toBe(ipFromStored(bytes));
    }
  });
});
