import type { InputValue } from './attack-inputs.js';
import { normalisePathLike } from './attack-normalise.js';
import { VALUE_SEPARATOR } from './attack-rule-set.js';

/**
 * Cuts a request's inputs into what the engine hands libddwaf in one run. libddwaf reads at most 4096
 * bytes of a string, silently, and its cost grows with rules × items. So:
 * - a value longer than a window is cut into overlapping windows (1360 UTF-16 units stay under 4096 UTF-8
 *   bytes; a payload shorter than the overlap is always whole in some window), and identical windows of
 *   long values are judged once (a megabyte of `'` is one window repeated);
 * - the regular expressions read windows framed and joined by NUL into chunks of at most 4096 bytes;
 *   libinjection reads one item per window, within a budget;
 * - a batch covers the inputs in order, the first small and each next one four times larger: a request
 *   that holds an attack near its start is judged on that start alone, and one that holds none costs a
 *   handful of runs.
 */

export const WINDOW = 1360;
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
  /** Each chunk: its windows, each framed by NUL (`\0a\0b\0`). */
  texts: string[];
  /** Index in `windows` of each chunk's first window; the chunk ends where the next one starts. */
  starts: number[];
  windows: string[];
  owners: number[];
}

export interface Batch {
  /** The inputs judged in this batch, in order (a long value may continue in the next batch). */
  sources: InputValue[];
  text: Chunks;
  /** Path forms (backslashes as slashes, `0x2f` decoded), which only the traversal rules read. */
  path: Chunks;
  /** Windows for libinjection, one item each, with the input each came from. */
  values: string[];
  valueOwners: number[];
}

class ChunkBuilder {
  readonly chunks: Chunks = { texts: [], starts: [], windows: [], owners: [] };
  private open = 0;
  private openUnits = 0;

  add(window: string, owner: number): void {
    if (this.open > 0 && this.openUnits + window.length + 1 > CHUNK_UNITS) this.close();
    this.chunks.windows.push(window);
    this.chunks.owners.push(owner);
    this.open += 1;
    this.openUnits += window.length + 1;
  }

  close(): void {
    if (this.open === 0) return;
    const { windows } = this.chunks;
    this.split(windows.length - this.open, windows.length);
    this.open = 0;
    this.openUnits = 0;
  }

  /** One chunk for windows [from, to), or halves of it while text outside ASCII makes it too long. */
  private split(from: number, to: number): void {
    const members = this.chunks.windows.slice(from, to);
    const text = VALUE_SEPARATOR + members.join(VALUE_SEPARATOR) + VALUE_SEPARATOR;
    if (to - from > 1 && Buffer.byteLength(text) > MAX_STRING_BYTES) {
      const middle = from + Math.floor((to - from) / 2);
      this.split(from, middle);
      this.split(middle, to);
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
  let text = new ChunkBuilder();
  let path = new ChunkBuilder();
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
    text = new ChunkBuilder();
    path = new ChunkBuilder();
    values = [];
    valueOwners = [];
    units = 0;
    limit = Math.min(limit * 4, MAX_BATCH_UNITS);
    return batch;
  };

  for (const input of inputs) {
    let pathForm: string;
    if (input.pathOnly === true) {
      pathForm = normalisePathLike(input.text);
    } else {
      if (isPlainToken(input.text)) continue;
      // Most values fit one window: they skip the generator.
      if (input.text.length <= WINDOW) {
        addText(input.text, input);
        if (units >= limit) yield close();
      } else {
        for (const window of longWindows(input.text, seenText)) {
          addText(window, input);
          if (units >= limit) yield close();
        }
      }
      pathForm = normalisePathLike(input.text);
      if (pathForm === input.text) continue;
    }
    if (pathForm.length <= WINDOW) {
      addPath(pathForm, input);
      if (units >= limit) yield close();
    } else {
      for (const window of longWindows(pathForm, seenPath)) {
        addPath(window, input);
        if (units >= limit) yield close();
      }
    }
  }
  if (units > 0) yield close();
}

/** The windows of a long value, cut as they are read; repeats of a window already seen are dropped. */
function* longWindows(text: string, seen: Set<string>): Generator<string> {
  for (let start = 0; start < text.length; start += WINDOW - OVERLAP) {
    const window = text.slice(start, start + WINDOW);
    if (!seen.has(window)) {
      seen.add(window);
      yield window;
    }
    if (start + WINDOW >= text.length) return;
  }
}
