import fs from 'node:fs';
import path from 'node:path';

const SEGMENT_BYTES = 8 * 1024 * 1024;
const READ_CHUNK = 1024 * 1024;
const NAME = /^(\d{12})\.ndjson$/;

export interface Position {
  seq: number;
  offset: number;
}

export interface JournalRead {
  lines: string[];
  /** How many of the lines come from segments a previous process left behind. */
  leftover: number;
  end: Position;
}

/**
 * What a reader may read, as the appending side knows it: from the committed position up to the bytes
 * written so far. A reader on another thread gets this instead of the journal itself.
 */
export interface JournalSpan {
  dir: string;
  from: Position;
  /** `[seq, bytes]` of every segment from `from.seq` on. */
  sizes: [number, number][];
  writeSeq: number;
  /** Segments before this one were left by an earlier process. */
  firstOwnSeq: number;
}

const segmentFile = (dir: string, seq: number) => path.join(dir, `${String(seq).padStart(12, '0')}.ndjson`);

/** Reads whole lines of a span; keeps the current segment open between reads. */
export function createJournalReader() {
  let open: { file: string; fd: number } | null = null;
  // One chunk for every read: a fresh megabyte per batch costs more (zeroing it, faulting its pages
  // in) than the lines it holds take to parse. Lines are copied out as strings before the next read.
  let chunk: Buffer | null = null;

  function fdFor(file: string): number {
    if (open?.file === file) return open.fd;
    release();
    open = { file, fd: fs.openSync(file, 'r') };
    return open.fd;
  }

  function release(): void {
    if (open) fs.closeSync(open.fd);
    open = null;
  }

  return {
    /** Up to `max` whole lines after `span.from`; nothing moves until the journal's `commit`. */
    read(span: JournalSpan, max: number): JournalRead {
      const sizes = new Map(span.sizes);
      const lines: string[] = [];
      let leftover = 0;
      const pos = { ...span.from };
      while (lines.length < max) {
        const size = sizes.get(pos.seq) ?? 0;
        if (pos.offset >= size) {
          if (pos.seq >= span.writeSeq) break;
          pos.seq += 1;
          pos.offset = 0;
          continue;
        }
        chunk ??= Buffer.allocUnsafe(READ_CHUNK);
        const want = Math.min(READ_CHUNK, size - pos.offset);
        const got = fs.readSync(fdFor(segmentFile(span.dir, pos.seq)), chunk, 0, want, pos.offset);
        const bytes = chunk.subarray(0, got);
        let from = 0;
        for (let nl = bytes.indexOf(10); nl >= 0 && lines.length < max; nl = bytes.indexOf(10, from)) {
          lines.push(bytes.toString('utf8', from, nl));
          if (pos.seq < span.firstOwnSeq) leftover += 1;
          from = nl + 1;
        }
        if (from === 0) {
          // A torn last line of a crashed process's segment (a write cut short by a full disk): skip it.
          if (pos.seq >= span.writeSeq) break;
          pos.seq += 1;
          pos.offset = 0;
          continue;
        }
        pos.offset += from;
      }
      return { lines, leftover, end: pos };
    },

    /** Closes the open segment (before it is deleted, or when the reader is done). */
    release,
    releaseIfReading(dir: string, seq: number): void {
      if (open?.file === segmentFile(dir, seq)) release();
    },
  };
}

/**
 * Where a process journals: `<dataDir>/log-journal`, or for worker k ≥ 2 of `serve --workers`
 * `<dataDir>/log-journal-<k>`. One writer per directory: two processes appending to one journal would
 * interleave their segments and delete each other's. Worker 1 takes the single process's journal, so
 * switching between one process and several replays what the last run left.
 */
export function journalDirOf(dataDir: string, workerSlot: number | undefined): string {
  return path.join(dataDir, workerSlot && workerSlot > 1 ? `log-journal-${workerSlot}` : 'log-journal');
}

/** Journals of workers beyond `workers` that still hold segments (left by a run with more workers). */
export function leftoverJournalSlots(dataDir: string, workers: number): number[] {
  if (!fs.existsSync(dataDir)) return [];
  return fs
    .readdirSync(dataDir)
    .map((name) => /^log-journal-(\d+)$/.exec(name)?.[1])
    .filter((slot): slot is string => slot !== undefined)
    .map(Number)
    .filter((slot) => slot > workers)
    .filter((slot) => fs.readdirSync(journalDirOf(dataDir, slot)).some((name) => NAME.test(name)))
    .sort((a, b) => a - b);
}

/**
 * The log pipeline's write-ahead journal and spool: NDJSON segment files in its directory (journalDirOf).
 * Appends are synchronous writes (one per group of entries), so an entry is in the kernel's page cache before its response is
 * sent and survives the process being killed; fdatasync runs asynchronously in groups (power loss).
 * The writer reads behind the appends and commits a position once its batch is in the store; segments
 * wholly behind that position are deleted. While the store is down the journal simply grows, up to
 * the byte cap, and is replayed in order when it returns (or at the next start).
 */
export function openJournal(dir: string, maxBytes: number) {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = (seq: number) => segmentFile(dir, seq);
  const existing = fs
    .readdirSync(dir)
    .map((name) => NAME.exec(name)?.[1])
    .filter((seq): seq is string => seq !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
  const sizes = new Map<number, number>(existing.map((seq) => [seq, fs.statSync(file(seq)).size]));
  let diskBytes = [...sizes.values()].reduce((a, b) => a + b, 0);
  const firstOwnSeq = (existing.at(-1) ?? 0) + 1;

  let writeSeq = firstOwnSeq;
  let writeFd = fs.openSync(file(writeSeq), 'a', 0o600);
  let writeSize = 0;
  sizes.set(writeSeq, 0);
  let dirty = false;
  let read: Position = { seq: existing[0] ?? writeSeq, offset: 0 };
  const reader = createJournalReader();

  function rotate(): void {
    fs.closeSync(writeFd);
    writeSeq += 1;
    writeFd = fs.openSync(file(writeSeq), 'a', 0o600);
    writeSize = 0;
    sizes.set(writeSeq, 0);
  }

  return {
    /**
     * Appends the lines that fit under the cap with one write, in order; returns how many were taken
     * (the rest the caller counts as dropped).
     */
    appendMany(lines: readonly string[]): number {
      let text = '';
      let bytes = 0;
      let taken = 0;
      for (const line of lines) {
        const size = Buffer.byteLength(line) + 1;
        if (diskBytes + bytes + size > maxBytes) break;
        text += line + '\n';
        bytes += size;
        taken += 1;
      }
      if (taken === 0) return 0;
      fs.writeSync(writeFd, text);
      writeSize += bytes;
      diskBytes += bytes;
      sizes.set(writeSeq, writeSize);
      dirty = true;
      if (writeSize >= SEGMENT_BYTES) rotate();
      return taken;
    },

    /** Where a reader may read now (see JournalSpan). */
    span(): JournalSpan {
      const segments = [...sizes].filter(([seq]) => seq >= read.seq);
      return { dir, from: { ...read }, sizes: segments, writeSeq, firstOwnSeq };
    },

    /** Up to `max` whole lines after the committed position; nothing moves until `commit`. */
    read(max: number): JournalRead {
      return reader.read(this.span(), max);
    },

    /** The store has the lines up to `end`: delete the segments wholly behind it. */
    commit(end: Position): void {
      read = end;
      for (const [seq, size] of sizes) {
        if (seq >= end.seq || seq === writeSeq) continue;
        reader.releaseIfReading(dir, seq);
        fs.rmSync(file(seq), { force: true });
        sizes.delete(seq);
        diskBytes -= size;
      }
      // The current segment fully read: start a fresh one so the old one can go.
      if (end.seq === writeSeq && end.offset === writeSize && writeSize >= SEGMENT_BYTES / 8) {
        rotate();
        read = { seq: writeSeq, offset: 0 };
        this.commit(read);
      }
    },

    pendingBytes(): number {
      let total = 0;
      for (const [seq, size] of sizes) if (seq >= read.seq) total += size;
      return total - read.offset;
    },
    diskBytes: () => diskBytes,

    /** Group commit for power loss; appends already survive a killed process. */
    sync(callback: () => void): void {
      if (!dirty) return callback();
      dirty = false;
      fs.fdatasync(writeFd, () => callback());
    },

    /** Closes the files; a journal whose every line is in the store leaves nothing behind. */
    close(): void {
      reader.release();
      fs.fsyncSync(writeFd);
      fs.closeSync(writeFd);
      if (this.pendingBytes() === 0) {
        for (const seq of sizes.keys()) fs.rmSync(file(seq), { force: true });
        sizes.clear();
        diskBytes = 0;
      }
    },
  };
}

export type Journal = ReturnType<typeof openJournal>;
