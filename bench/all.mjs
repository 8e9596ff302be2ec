// `npm run bench`: every benchmark in turn, each in its own process so none disturbs another's
// measurements. All run even when one misses its goal; the exit status says whether any did. Each
// benchmark's output also goes into the report (bench/report.mjs), docs/benchmarks.md unless
// BENCH_REPORT names another file (`BENCH_REPORT=off`: none), replacing that benchmark's section only.
//
//   BENCH_RUN           which benchmarks, comma-separated (default all)
//   BENCH_POSTGRES_URL  the PostgreSQL the benchmarks also measure, each in a fresh schema dropped
//                       afterwards (default postgres://postgres@127.0.0.1:5432/test; `off`: SQLite only)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeMachine, writeReport } from './report.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BENCHMARKS = [
  'validate',
  'express',
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
  'postgres',
  'processes-scaling',
];
const env = { ...process.env };
if (!env.BENCH_POSTGRES_URL) env.BENCH_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';
if (env.BENCH_POSTGRES_URL === 'off') delete env.BENCH_POSTGRES_URL;
const reportFile =
  env.BENCH_REPORT === 'off'
    ? null
    : path.resolve(here, '..', env.BENCH_REPORT || path.join('docs', 'benchmarks.md'));

/** Runs one benchmark with its output shown as it comes and kept for the report. */
function run(file) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      output += chunk;
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      output += chunk;
    });
    child.once('close', (status) => resolve({ status, output }));
  });
}

const only = env.BENCH_RUN?.split(',').map((name) => name.trim());
const failed = [];
const machine = reportFile ? await describeMachine(env.BENCH_POSTGRES_URL) : null;
for (const name of BENCHMARKS) {
  if (only && !only.includes(name)) continue;
  const file = path.join(here, `${name}.bench.mjs`);
  if (!existsSync(file)) {
    console.log(`\n== ${name}: not in this checkout, skipped`);
    continue;
  }
  console.log(`\n== ${name}`);
  const started = new Date();
  const loadBefore = os.loadavg()[0];
  const { status, output } = await run(file);
  if (status !== 0) failed.push(name);
  if (reportFile) {
    await writeReport(reportFile, machine, {
      name,
      status,
      output,
      started,
      seconds: (Date.now() - started.getTime()) / 1000,
      load: [loadBefore, os.loadavg()[0]],
      settings: Object.entries(env)
        .filter(([key]) => key.startsWith('BENCH_') && key !== 'BENCH_RUN' && key !== 'BENCH_REPORT')
        .map(([key, value]) => `${key}=${key === 'BENCH_POSTGRES_URL' ? 'set' : value}`),
    });
  }
}
if (reportFile) console.log(`\nreport: ${path.relative(process.cwd(), reportFile)}`);
if (failed.length) {
  console.log(`\nmissed a goal or failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
