import { describe, expect, it } from 'vitest';
import { ASCII_WINDOW, batchesOf, OVERLAP, WINDOW, type Batch } from './attack-batches.js';
import type { InputValue } from './attack-inputs.js';

const value = (text: string): InputValue => ({ text, parent: null, segment: 'x' });
/** The batches, with each input numbered by its position (its `segment`), to tell where a window came from. */
const all = (inputs: InputValue[]) => [...batchesOf(inputs.map((input, i) => ({ ...input, segment: i })))];
const positionOf = (batch: Batch, owner: number) => batch.sources[owner]!.segment;
/** Every window of every chunk, with the position of the input it came from, as the chunks frame them. */
const unframed = (batch: Batch, kind: 'text' | 'path') => {
  const chunks = batch[kind];
  return chunks.texts.flatMap((text, i) => {
    const windows = text.slice(1, -1).split('\u0000');
    const from = chunks.starts[i]!;
    expect(windows).toEqual(chunks.windows.slice(from, from + windows.length).map(chunks.form));
    return windows.map((window, k) => [window, positionOf(batch, chunks.owners[from + k]!)]);
  });
};

describe('batchesOf', () => {
  it('frames each value with NUL inside chunks, and gives libinjection each value alone', () => {
    const [batch, ...rest] = all([value("a' b"), value('x<y'), value('c d')]);
    expect(rest).toEqual([]);
    expect(batch!.text.texts).toEqual(["\u0000a' b\u0000x<y\u0000c d\u0000"]);
    expect(unframed(batch!, 'text')).toEqual([
      ["a' b", 0],
      ['x<y', 1],
      ['c d', 2],
    ]);
    expect(batch!.values).toEqual(["a' b", 'x<y', 'c d']);
    expect(batch!.valueOwners.map((owner) => positionOf(batch!, owner))).toEqual([0, 1, 2]);
  });

  it('leaves out plain tokens but keeps every other input at its own position', () => {
    const [batch] = all([value('ABCD-EFGH'), value('a b'), value('lic_01HX'), value('../x')]);
    expect(unframed(batch!, 'text')).toEqual([
      ['a b', 1],
      ['../x', 3],
    ]);
  });

  it('reads path forms separately, and the whole request path only as a path', () => {
    const [batch] = all([{ ...value('/a\\..\\b'), pathOnly: true }, value('..\\..\\win.ini'), value('a b')]);
    expect(unframed(batch!, 'text')).toEqual([
      ['..\\..\\win.ini', 1],
      ['a b', 2],
    ]);
    expect(unframed(batch!, 'path')).toEqual([
      ['/a/../b', 0],
      ['../../win.ini', 1],
    ]);
  });

  it.each([
    ['ASCII', 'w', ASCII_WINDOW],
    ['other', 'é', WINDOW],
  ])('cuts long values of %s text into overlapping windows', (_, letter, size) => {
    const text = Array.from({ length: 5000 }, (_, i) => `${letter}${i} `).join('');
    const windows = all([value(text)]).flatMap((batch) => batch.text.windows);
    expect(windows[0]).toBe(text.slice(0, size));
    let start = 0;
    for (const window of windows) {
      expect(window).toBe(text.slice(start, start + window.length));
      expect(Buffer.byteLength(window)).toBeLessThanOrEqual(4094);
      start += window.length - OVERLAP;
    }
    expect(start + OVERLAP).toBe(text.length);
  });

  it('judges a repeated window of a long value once', () => {
    expect(all([value("'".repeat(1 << 20))]).flatMap((batch) => batch.text.windows)).toEqual([
      "'".repeat(ASCII_WINDOW),
      "'".repeat((((1 << 20) - OVERLAP) % (ASCII_WINDOW - OVERLAP)) + OVERLAP),
    ]);
    const fivefold = 'ab cd'.repeat(200_000); // a period that the step does not divide
    expect(all([value(fivefold)]).flatMap((batch) => batch.text.windows).length).toBeLessThanOrEqual(6);
  });

  it('keeps every chunk within 4096 UTF-8 bytes, text outside ASCII included', () => {
    const inputs = Array.from({ length: 3000 }, (_, i) => value(`日本語 ${i} 😀 テキスト`));
    const batches = all(inputs);
    const chunks = batches.flatMap((batch) => batch.text.texts);
    expect(chunks.every((chunk) => Buffer.byteLength(chunk) <= 4096)).toBe(true);
    const owners = batches.flatMap((batch) => unframed(batch, 'text').map(([, owner]) => owner));
    expect(owners).toEqual(inputs.map((_, i) => i));
  });

  it('starts with a small batch and grows, covering the inputs in order', () => {
    const inputs = Array.from({ length: 40_000 }, (_, i) => value(`note number ${i}, fine`));
    const batches = all(inputs);
    const sizes = batches.map((batch) => batch.text.windows.length);
    expect(batches.length).toBeGreaterThan(2);
    expect(sizes[1]).toBeGreaterThan(3 * sizes[0]!);
    const positions = batches.flatMap((batch) => batch.text.owners.map((owner) => positionOf(batch, owner)));
    expect(positions).toEqual(inputs.map((_, i) => i));
  });

  it('carries a value longer than a batch on into the next ones', () => {
    const text = Array.from({ length: 300_000 }, (_, i) => `w${i} `).join('');
    const batches = all([value('a b'), value(text)]);
    expect(batches.length).toBeGreaterThan(2);
    expect(batches[0]!.sources.map((source) => source.segment)).toEqual([0, 1]);
    for (const batch of batches.slice(1)) expect(batch.sources.map((source) => source.segment)).toEqual([1]);
  });

  it('gives libinjection the first 2048 windows only', () => {
    const inputs = Array.from({ length: 5000 }, (_, i) => value(`a b ${i}`));
    const owners = all(inputs).flatMap((batch) => batch.valueOwners.map((owner) => positionOf(batch, owner)));
    expect(owners).toEqual(inputs.slice(0, 2048).map((_, i) => i));
  });
});
