import type { InputValue } from './attack-inputs.js';
import { normalisePathLike, readsDifferentlyAsPath } from './attack-normalise.js';
import { VALUE_SEPARATOR } from './attack-rule-set.js';

/**
 * Cuts a request's inputs into what the engine hands libddwaf in one run. libddwaf reads at most 4096
 * bytes of a string, silently, and its cost grows with rules × items. So:
 * - a value longer than a window is cut into overlapping windows (3840 units of ASCII, 1360 UTF-16 units
 *   of anything else: both under 4096 UTF-8 bytes; a payload shorter than the overlap is always whole in
 *   some window), and identical windows of long values are judged once (a megabyte of `'` is one window
 *   repeated);
 * - the regular expressions read windows framed and joined by NUL into chunks of at most 4096 bytes;
 *   libinjection reads one item per window, within a budget;
 * - a batch covers the inputs in order, the first small and each next one four times larger: a request
 *   that holds an attack near its start is judged on that start alone, and one that holds none costs a
 *   handful of runs.
 */

/** A window of text outside ASCII: 1360 UTF-16 units are at most 4080 UTF-8 bytes. */
export const WINDOW = 1360;
/** A window of ASCII text, one byte a unit: fewer windows, and less text read twice in the overlaps. */
export const ASCII_WINDOW = 3840;
export const OVERLAP = 256;
/** What libddwaf reads of a string, in UTF-8 bytes. */
const MAX_STRING_BYTES = 4096;
/** A chunk is closed at this many UTF-16 units; only text outside ASCII then needs a byte count. */
const CHUNK_UNITS = 4000;
const FIRST_BATCH_UNITS = 16 * 1024;
const MAX_BATCH_UNITS = 1024 * 1024;
/**
 * libinjection costs a few microseconds per value and per kilobyte, so a body built to hurt (a hundred
 * thousand short strings, a megabyte of punctuation) would take a second. It judges the first 2048
 * windows and 64 KiB of a request, in order; the regular expressions, which run over chunks at a fraction
 * of the cost, judge everything. A licence request is far below both bounds.
 */
const LIBINJECTION_BUDGET = { windows: 2048, units: 64 * 1024 };

/**
 * Identifiers, keys, hashes, dates, versions, e-mail addresses: one token of letters, digits and `_ . : @ +
 * -`, without `..`, `--` or `@@`. No rule can match such a value (they all need a space, a quote, a bracket, a
 * slash or a doubled dot or dash), so it is not sent to the engine: most of a licence request is made of
 * them. Checked with a loop, not a regular expression, to stay linear on any input.
 */
export function isPlainToken(text: string): boolean {
  let previous = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const plain =
      (c >= 0x30 && c <= 0x3a) || // 0-9 :
      (c >= 0x41 && c <= 0x5a) || // A-Z
      (c >= 0x61 && c <= 0x7a) || // a-z
      c === 0x5f || // _
      c === 0x2b || // +
      ((c === 0x2e || c === 0x2d || c === 0x40) && c !== previous); // . - @, but not .. -- @@
    if (!plain) return false;
    previous = c;
  }
  return true;
}

/** Windows joined into chunks; `owners[i]` is the index in the batch's `sources` of the input `windows[i]` came from. */
export interface Chunks {
  /** Each chunk: its windows in the form the rules read, each framed by NUL (`\0a\0b\0`). */
  texts: string[];
  /** Index in `windows` of each chunk's first window; the chunk ends where the next one starts. */
  starts: number[];
  windows: string[];
  owners: number[];
  /** The form the rules read of a window (a chunk is the form of its windows joined). */
  form: (window: string) => string;
}

export interface Batch {
  /** The inputs judged in this batch, in order (a long value may continue in the next batch). */
  sources: InputValue[];
  text: Chunks;
  /**
   * Values that read differently as paths (backslashes, `0x2f`), and the request's whole path, which only
   * the traversal rules read, in their path form.
   */
  path: Chunks;
  /** Windows for libinjection, one item each, with the input each came from. */
  values: string[];
  valueOwners: number[];
}

const asIs = (text: string) => text;

class ChunkBuilder {
  readonly chunks: Chunks;
  /** The open chunk's windows between two empty ends, so that joining them by NUL frames every one. */
  private open = [''];
  private openUnits = 0;

  constructor(form: (text: string) => string) {
    this.chunks = { texts: [], starts: [], windows: [], owners: [], form };
  }

  add(window: string, owner: number): void {
    if (this.open.length > 1 && this.openUnits + window.length + 1 > CHUNK_UNITS) this.close();
    this.chunks.windows.push(window);
    this.chunks.owners.push(owner);
    this.open.push(window);
    this.openUnits += window.length + 1;
  }

  close(): void {
    const count = this.open.length - 1;
    if (count === 0) return;
    this.open.push('');
    // The form of a chunk is the form of each window: both forms change characters, never a NUL.
    this.push(this.chunks.form(this.open.join(VALUE_SEPARATOR)), this.chunks.windows.length - count, count);
    this.open = [''];
    this.openUnits = 0;
  }

  /** Keeps a chunk of `count` windows from `from`, or halves of it while text outside ASCII is too long. */
  private push(text: string, from: number, count: number): void {
    if (count > 1 && Buffer.byteLength(text) > MAX_STRING_BYTES) {
      const half = Math.floor(count / 2);
      for (const [start, size] of [
        [from, half],
        [from + half, count - half],
      ] as const) {
        const windows = this.chunks.windows.slice(start, start + size);
        this.push(this.chunks.form(['', ...windows, ''].join(VALUE_SEPARATOR)), start, size);
      }
      return;
    }
    this.chunks.texts.push(text);
    this.chunks.starts.push(from);
  }
}

/** The batches of a request's inputs, in input order; the caller stops pulling at the first finding. */
export function* batchesOf(inputs: Iterable<InputValue>): Generator<Batch> {
  const seenText = new Set<string>();
  const seenPath = new Set<string>();
  let libinjectionWindows = LIBINJECTION_BUDGET.windows;
  let libinjectionUnits = LIBINJECTION_BUDGET.units;
  let limit = FIRST_BATCH_UNITS;
  let units = 0;
  let sources: InputValue[] = [];
  let text = new ChunkBuilder(asIs);
  let path = new ChunkBuilder(normalisePathLike);
  let values: string[] = [];
  let valueOwners: number[] = [];

  const ownerOf = (input: InputValue) => {
    if (sources[sources.length - 1] !== input) sources.push(input);
    return sources.length - 1;
  };
  const addText = (window: string, input: InputValue) => {
    const owner = ownerOf(input);
    text.add(window, owner);
    if (libinjectionWindows > 0 && libinjectionUnits >= window.length) {
      values.push(window);
      valueOwners.push(owner);
      libinjectionWindows -= 1;
      libinjectionUnits -= window.length;
    }
    units += window.length + 1;
  };
  const addPath = (window: string, input: InputValue) => {
    path.add(window, ownerOf(input));
    units += window.length + 1;
  };
  const close = (): Batch => {
    text.close();
    path.close();
    const batch = { sources, text: text.chunks, path: path.chunks, values, valueOwners };
    sources = [];
    text = new ChunkBuilder(asIs);
    path = new ChunkBuilder(normalisePathLike);
    values = [];
    valueOwners = [];
    units = 0;
    limit = Math.min(limit * 4, MAX_BATCH_UNITS);
    return batch;
  };

  for (const input of inputs) {
    if (input.pathOnly !== true) {
      if (isPlainToken(input.text)) continue;
      // Most values fit one window: they skip the generator.
      if (fitsOneWindow(input.text)) {
        addText(input.text, input);
        if (units >= limit) yield close();
      } else {
        for (const window of longWindows(input.text, seenText)) {
          addText(window, input);
          if (units >= limit) yield close();
        }
      }
      if (!readsDifferentlyAsPath(input.text)) continue;
    }
    if (fitsOneWindow(input.text)) {
      addPath(input.text, input);
      if (units >= limit) yield close();
    } else {
      for (const window of longWindows(input.text, seenPath)) {
        addPath(window, input);
        if (units >= limit) yield close();
      }
    }
  }
  if (units > 0) yield close();
}

function fitsOneWindow(text: string): boolean {
  return (
    text.length <= WINDOW || (text.length <= ASCII_WINDOW && Buffer.byteLength(text) <= MAX_STRING_BYTES - 2)
  );
}

/** The windows of a long value, cut as they are read; repeats of a window already seen are dropped. */
function* longWindows(text: string, seen: Set<string>): Generator<string> {
  let previous = '';
  for (let start = 0; ;) {
    let window = text.slice(start, start + ASCII_WINDOW);
    if (window.length > WINDOW && Buffer.byteLength(window) > MAX_STRING_BYTES - 2)
      window = text.slice(start, start + WINDOW);
    // A run that repeats with the step is the same window again: compared before it is hashed.
    if (window !== previous && !seen.has(window)) {
      seen.add(window);
      yield window;
    }
    previous = window;
    if (start + window.length >= text.length) return;
    start += window.length - OVERLAP;
  }
}
