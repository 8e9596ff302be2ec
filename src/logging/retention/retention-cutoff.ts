const DAY_MS = 86_400_000;

/**
 * The first instant retention keeps: midnight UTC `days` days before today's. Retention counts whole
 * UTC days, so every entry of one day goes in the same run (on PostgreSQL, with its day's partition):
 * the last millisecond of the newest expired day goes, the first of the oldest kept day stays. An
 * entry is never deleted before `days` full days have passed, and the job running every interval
 * removes it at most one interval after its day expired.
 */
export function retentionCutoff(now: Date, days: number): Date {
  const today = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  return new Date(today - days * DAY_MS);
}

export const startOfUtcDay = (ms: number): number => Math.floor(ms / DAY_MS) * DAY_MS;
export { DAY_MS };
