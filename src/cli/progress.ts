import type { Writable } from 'node:stream';

const count = (n: number) => Math.round(n).toLocaleString('en-US');

/**
 * Rows written and the rate, on stderr so stdout stays the export. On a terminal one line is redrawn
 * in place (at most 5 times a second); elsewhere (`--progress` into a file or a CI log) a line a second.
 */
export function progressReporter(
  stderr: Writable,
  terminal: boolean,
  now: () => number = () => performance.now(),
) {
  const start = now();
  let rows = 0;
  let printed = -Infinity;
  const line = () => {
    const seconds = Math.max((now() - start) / 1000, 0.001);
    return `exported ${count(rows)} rows (${count(rows / seconds)} rows/s)`;
  };
  return {
    add(more: number): void {
      rows += more;
      const at = now();
      if (at - printed < (terminal ? 200 : 1000)) return;
      printed = at;
      stderr.write(terminal ? `\r${line()}\u001b[K` : `${line()}\n`);
    },
    done(target: string): void {
      const seconds = ((now() - start) / 1000).toFixed(1);
      stderr.write(
        `${terminal ? '\r' : ''}${line()} to ${target} in ${seconds} s${terminal ? '\u001b[K' : ''}\n`,
      );
    },
  };
}
