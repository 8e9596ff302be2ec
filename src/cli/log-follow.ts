import type { LogEntry, LogReader, ReadQuery } from '../logging/log-readers.js';

const PAGE = 200;

export interface FollowOptions {
  reader: LogReader;
  query: ReadQuery;
  /** How many of the latest entries to print first. */
  lines: number;
  follow: boolean;
  intervalMs: number;
  /**
   * Entries are stored a little after their timestamp (the request logs are written in batches, an
   * admin action commits at its end, several servers write side by side): each poll looks this far
   * behind the newest entry shown, and skips the ids it has printed.
   */
  lookbackMs: number;
  now(): Date;
  /** Rejects when the wait is interrupted. */
  sleep(ms: number): Promise<unknown>;
  signal?: AbortSignal;
  /** Runs the first read (so a failing one can be recorded as such). */
  firstRead<T>(read: () => Promise<T>): Promise<T>;
  /** Called once the first read succeeded (the read is recorded in the activity log then). */
  started(): Promise<void>;
  /** Entries oldest first. */
  print(entries: LogEntry[]): Promise<void>;
}

const timeOf = (entry: LogEntry) => Date.parse(String(entry.timestamp));

/** `tail` and `tail --follow`: polls by time and id until the signal aborts. */
export async function followLog(options: FollowOptions): Promise<void> {
  const { reader, query } = options;
  const latest = await options.firstRead(() => reader.list({ ...query, limit: options.lines }));
  await options.started();
  const shown = latest.data.slice().reverse();
  await options.print(shown);
  if (!options.follow) return;

  const seen = new Map<string, number>(shown.map((entry) => [entry.id as string, timeOf(entry)]));
  let newest = shown.length ? timeOf(shown.at(-1)!) : options.now().getTime();
  const userFrom = query.from ? Date.parse(query.from) : -Infinity;
  const userTo = query.to ? Date.parse(query.to) : Infinity;

  while (!options.signal?.aborted) {
    try {
      await options.sleep(options.intervalMs);
    } catch (error) {
      if (options.signal?.aborted) return;
      throw error;
    }
    const since = Math.max(userFrom, newest - options.lookbackMs);
    if (since > userTo) continue;
    const fresh: LogEntry[] = [];
    let cursor: string | undefined;
    do {
      const page = await reader.list({ ...query, from: new Date(since).toISOString(), limit: PAGE, cursor });
      for (const entry of page.data) if (!seen.has(entry.id as string)) fresh.push(entry);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    fresh.reverse();
    await options.print(fresh);
    for (const entry of fresh) {
      seen.set(entry.id as string, timeOf(entry));
      newest = Math.max(newest, timeOf(entry));
    }
    for (const [id, time] of seen) if (time < newest - options.lookbackMs) seen.delete(id);
  }
}
