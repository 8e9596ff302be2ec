import { describe, expect, it } from 'vitest';
import { randomBase62, randomCrockford } from './random.js';

describe('secret generation', () => {
  it('draws base62 strings of the requested length from the whole alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const value = randomBase62(32);
      expect(value).toMatch(/^[0-9A-Za-z]{32}$/);
      for (const char of value) seen.add(char);
    }
    expect(seen.size).toBe(62);
  });

  it('encodes 10 random bytes as 16 Crockford base32 characters (80 bits)', () => {
    const values = new Set(Array.from({ length: 1000 }, () => randomCrockford(10)));
    expect(values.size).toBe(1000);
    for (const value of values) expect(value).toMatch(/^[0-9A-HJKMNP-TV-Z]{16}$/);
  });
});
