import { execFileSync } from 'node:child_process';
import { mkdirSync, rmdirSync, statSync, readdirSync, existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ROOT } from '../../helpers/server-process.js';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function portalIsFresh(): boolean {
  const index = path.join(ROOT, 'web/dist/index.html');
  if (!existsSync(index)) return false;
  const sources = Math.max(
    newestMtime(path.join(ROOT, 'web/src')),
    statSync(path.join(ROOT, 'web/index.html')).mtimeMs,
    statSync(path.join(ROOT, 'web/vite.config.ts')).mtimeMs,
  );
  return statSync(index).mtimeMs >= sources;
}

/**
 * Builds the server and, when its sources changed, the portal, as `npm run build` does. One build at
 * a time across test files (a directory is the lock): a portal rebuilt under a running browser would
 * pull its assets away.
 */
export async function ensureBuilt(): Promise<void> {
  const lock = path.join(
    os.tmpdir(),
    `keymanager-build-${Buffer.from(ROOT).toString('hex').slice(-24)}.lock`,
  );
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 240_000) throw new Error(`build lock ${lock} held for 4 minutes`);
      await sleep(200);
    }
  }
  try {
    execFileSync('npm', ['run', '--silent', 'build:server'], { cwd: ROOT, stdio: 'ignore' });
    if (!portalIsFresh())
      execFileSync('npm', ['run', '--silent', 'build:web'], { cwd: ROOT, stdio: 'ignore' });
  } finally {
    rmdirSync(lock);
  }
}
