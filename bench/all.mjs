// `npm run bench`: every benchmark in turn, each in its own process so none disturbs another's
// measurements. All run even when one misses its goal; the exit status says whether any did.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = [
  'validate',
  'logging',
  'log-writer-stall',
  'security',
  'detector',
  'export',
  'log-search',
  'analytics',
  'log-chain',
  'verify',
  'retention',
  'archive',
  'processes-scaling',
];
const only = process.env.BENCH_RUN?.split(',');
const failed = [];
for (const name of BENCHMARKS) {
  if (only && !only.includes(name)) continue;
  console.log(`\n== ${name}`);
  const { status } = spawnSync(process.execPath, [path.join(here, `${name}.bench.mjs`)], {
    stdio: 'inherit',
  });
  if (status !== 0) failed.push(name);
}
if (failed.length) {
  console.log(`\nmissed a goal or failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
