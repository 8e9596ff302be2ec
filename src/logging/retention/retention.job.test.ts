import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createRetentionJob } from './retention.job.js';
import type { RetentionService } from './retention.service.js';

function recordingLogger() {
  const lines: Record<string, unknown>[] = [];
  const stream = { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) };
  return { logger: pino({ level: 'info' }, stream), lines };
}

describe('the retention job', () => {
  it('runs at start, then every interval, never two runs at once, and stops', async () => {
    let runs = 0;
    let running = 0;
    let overlapped = false;
    const service = {
      prune: async () => {
        runs++;
        running++;
        overlapped ||= running > 1;
        await new Promise((resolve) => setTimeout(resolve, 30));
        running--;
        return [];
      },
    } as unknown as RetentionService;
    const job = createRetentionJob(service, recordingLogger().logger, 10);
    job.start();
    expect(runs).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await job.stop();
    const after = runs;
    expect(after).toBeGreaterThan(1);
    expect(overlapped).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(runs).toBe(after);
  });

  it('reports a failed run and runs again next time', async () => {
    let calls = 0;
    const service = {
      prune: async () => {
        calls++;
        if (calls === 1) throw new Error('database unavailable');
        return [{ log: 'blocked', cutoff: '2026-01-01T00:00:00.000Z', deleted: 3, partitionsDropped: 0 }];
      },
    } as unknown as RetentionService;
    const { logger, lines } = recordingLogger();
    const job = createRetentionJob(service, logger, 3_600_000);
    await job.runOnce();
    await job.runOnce();
    expect(lines.map((line) => line.msg)).toEqual([
      'retention run failed; the next run tries again',
      'retention: expired log entries deleted',
    ]);
    expect((lines[0]!.err as { message: string }).message).toBe('database unavailable');
  });
});
