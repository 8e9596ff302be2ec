import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

// Written after a successful server build, dated when the build started, so a source saved during
// the build still counts as newer.
const SERVER_STAMP = path.join(ROOT, 'dist/.test-build-stamp');
const LOCK = path.join(os.tmpdir(), `keymanager-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`);
const LOCK_WAIT_MS = 300_000;

function newestMtime(target: string): number {
  if (!statSync(target).isDirectory()) return statSync(target).mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(target)) newest = Math.max(newest, newestMtime(path.join(target, entry)));
  return newest;
}

function builtAfter(output: string, sources: string[]): boolean {
  if (!existsSync(output)) return false;
  const newestSource = Math.max(...sources.map((source) => newestMtime(path.join(ROOT, source))));
  return statSync(output).mtimeMs >= newestSource;
}

const serverIsFresh = () =>
  builtAfter(SERVER_STAMP, ['src', 'tsconfig.json', 'tsconfig.build.json', 'package.json']);
const portalIsFresh = () =>
  builtAfter(path.join(ROOT, 'web/dist/index.html'), ['web/src', 'web/index.html', 'web/vite.config.ts']);

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** One build at a time across test files (a directory is the lock); later files find it fresh. */
function withBuildLock(build: () => void): void {
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(LOCK);
      break;
    } catch {
      if (waited > LOCK_WAIT_MS) throw new Error(`build lock ${LOCK} held for ${LOCK_WAIT_MS / 1000} s`);
      sleepSync(200);
    }
  }
  try {
    build();
  } finally {
    rmdirSync(LOCK);
  }
}

function buildServerIfStale(): void {
  if (serverIsFresh()) return;
  const started = new Date();
  execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: ROOT, stdio: 'ignore' });
  writeFileSync(SERVER_STAMP, '');
  utimesSync(SERVER_STAMP, started, started);
}

/**
 * Builds the server into dist/ as `npm start` does, unless a build since the last source change is
 * there already: each of the test files that run the real server would otherwise compile it again.
 */
export function buildDist(): void {
  withBuildLock(buildServerIfStale);
}

/** The server and the portal, as `npm run build` does; a portal rebuilt under a running browser would pull its assets away, hence the shared lock. */
export function buildServerAndPortal(): void {
  withBuildLock(() => {
    buildServerIfStale();
    if (!portalIsFresh())
      execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: ROOT, stdio: 'ignore' });
  });
}
