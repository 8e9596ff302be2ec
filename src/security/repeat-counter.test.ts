import { describe, expect, it } from 'vitest';
import { createRepeatCounter } from './repeat-counter.js';

describe('repeat counter', () => {
  it('answers how many blocks of the same client came before within the window', () => {
    const counter = createRepeatCounter({ windowMs: 60_000 });
    expect([0, 1_000, 2_000].map((t) => counter.record('hash_a', t))).toEqual([0, 1, 2]);
    expect(counter.record('hash_b', 2_000)).toBe(0);
    expect(counter.record('hash_a', 60_000)).toBe(2); // the block at 0 is a full window old
    expect(counter.record('hash_a', 200_000)).toBe(0);
  });

  it('saturates at maxCount and holds at most maxKeys keys', () => {
    const counter = createRepeatCounter({ maxKeys: 10, maxCount: 5 });
    for (let i = 0; i < 20; i++) counter.record('flood', i);
    expect(counter.record('flood', 20)).toBe(5);
    for (let i = 0; i < 100; i++) counter.record(`ip-${i}`, 30);
    expect(counter.size()).toBe(10);
  });

  it('forgets clients not seen for a window', () => {
    const counter = createRepeatCounter({ windowMs: 60_000 });
    for (let i = 0; i < 100; i++) counter.record(`ip-${i}`, 0);
    counter.record('late', 120_000);
    expect(counter.size()).toBe(1);
  });
});
