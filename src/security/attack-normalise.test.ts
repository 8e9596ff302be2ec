import { describe, expect, it } from 'vitest';
import {
  decodeBytesLeniently,
  decodeUrlOnce,
  decodeUrlRepeatedly,
  foldLookAlikes,
  normaliseInput,
  normalisePathLike,
  parseQueryString,
  readsDifferentlyAsPath,
} from './attack-normalise.js';

describe('percent-decoding', () => {
  it.each([
    ['%2e%2e%2f', '../'],
    ['caf%C3%A9', 'café'],
    ['%u002e%u002e%u2215', '..\u2215'],
    ['50% off, 100%', '50% off, 100%'],
    ['%zz%4', '%zz%4'],
    ['a+b', 'a+b'],
  ])('decodes %s once as %s', (input, expected) => {
    expect(decodeUrlOnce(input)).toBe(expected);
  });

  it('reads + as a space only in query strings and forms', () => {
    expect(decodeUrlOnce('a+b%2Bc', true)).toBe('a b+c');
  });

  it.each([
    ['%252e%252e%252f', '../'],
    ['%%32%65%%32%65%%32%66', '../'],
    ['%25252e', '.'],
    ['..%25c0%25af', '../'],
  ])('decodes %s repeatedly to %s', (input, expected) => {
    expect(decodeUrlRepeatedly(input)).toBe(expected);
  });

  it('stops after a bounded number of rounds', () => {
    expect(decodeUrlRepeatedly('%2525252525252e', false, 2)).toBe('%252525252e');
  });

  it('reads overlong and broken UTF-8 the way lenient servers do', () => {
    expect(decodeUrlOnce('..%c0%af..%c1%9c')).toBe('../..\\');
    expect(decodeUrlOnce('%c0%ae%c0%ae%c0%2f%c0%5c')).toBe('../\\');
    expect(decodeUrlOnce('%e0%80%af')).toBe('/');
    expect(decodeBytesLeniently([0xf0, 0x9f, 0x98, 0x80])).toBe('😀');
    expect(decodeBytesLeniently([0xf6, 0x22])).toBe('"');
    expect(decodeBytesLeniently([0xe9])).toBe('é');
  });

  it('decodes a megabyte of escapes', () => {
    expect(decodeUrlRepeatedly('%25'.repeat(300_000))).toBe('%'.repeat(300_000));
  });
});

describe('normalisation', () => {
  it('folds look-alike quotes, dashes, slashes and full-width forms', () => {
    expect(foldLookAlikes('’ or ‘1’=’1 – ＜script＞ ．．／ ∕ ∖')).toBe("' or '1'='1 - <script> ../ / \\");
  });

  it('skips only the passes a value does not need: the same text as every pass in turn', () => {
    // Escapes valid and broken, `+`, NUL, look-alikes and text outside ASCII, in short and long values.
    const pieces = [
      '%',
      '%2',
      '%2e',
      '%C0%AF',
      '%u2215',
      '%uZZ',
      '%25',
      '%00',
      '+',
      '\u0000',
      '’',
      'é',
      'a',
      ' ',
      'f',
    ];
    const everyPass = (value: string, plusAsSpace: boolean) =>
      foldLookAlikes(decodeUrlRepeatedly(value, plusAsSpace).replaceAll('\u0000', ''));
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let i = 0; i < 5000; i++) {
      let value = '';
      const length = 1 + Math.floor(next() * (i % 100 === 0 ? 400 : 8));
      for (let k = 0; k < length; k++) value += pieces[Math.floor(next() * pieces.length)];
      for (const plusAsSpace of [false, true])
        expect(normaliseInput(value, plusAsSpace), JSON.stringify(value)).toBe(everyPass(value, plusAsSpace));
    }
  });

  it('drops NUL bytes after decoding', () => {
    expect(normaliseInput('../../etc/passwd%00.jpg')).toBe('../../etc/passwd.jpg');
  });

  it('reads backslashes and textual hex escapes as path separators for traversal patterns', () => {
    expect(normalisePathLike('..\\..\\windows\\win.ini')).toBe('../../windows/win.ini');
    expect(normalisePathLike('0x2e0x2e0x2fetc')).toBe('../etc');
  });

  it.each(['..\\x', '0x2E0x2e0X2F', 'a/b', '0x41 and 0x', 'plain text', '0X5c'])(
    'tells whether %s reads differently as a path without building its path form',
    (text) => expect(readsDifferentlyAsPath(text)).toBe(normalisePathLike(text) !== text),
  );

  it('splits a query string into pairs, names decoded as the application reads them', () => {
    expect(parseQueryString('q=O%27Brien&tag=a&tag=b&flag&&x%5B0%5D=1')).toEqual([
      { name: 'q', rawName: 'q', rawValue: 'O%27Brien' },
      { name: 'tag', rawName: 'tag', rawValue: 'a' },
      { name: 'tag', rawName: 'tag', rawValue: 'b' },
      { name: 'flag', rawName: 'flag', rawValue: '' },
      { name: 'x[0]', rawName: 'x%5B0%5D', rawValue: '1' },
    ]);
  });
});
