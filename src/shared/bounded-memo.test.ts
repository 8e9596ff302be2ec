import { describe, expect, it } from 'vitest';
import { boundedMemo } from './bounded-memo.js';

describe('boundedMemo', () => {
  it('computes each key once while it is remembered, null results included', () => {
    const calls: string[] = [];
    const memo = boundedMemo((key: string) => {
      calls.push(key);
      return key === 'none' ? null : key.toUpperCase();
    }, 10);
    expect([memo('a'), memo('a'), memo('none'), memo('none')]).toEqual(['A', 'A', null, null]);
    expect(calls).toEqual(['a', 'none']);
  });

  it('never holds more than its bound, and still answers correctly past it', () => {
    const calls: number[] = [];
    const memo = boundedMemo((key: number) => {
      calls.push(key);
      return key * 2;
    }, 2);
    expect([memo(1), memo(2), memo(3), memo(1)]).toEqual([2, 4, 6, 2]);
    expect(calls).toEqual([1, 2, 3, 1]);
  });
});
