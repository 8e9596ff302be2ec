// Child processes for the benchmark: started with their output kept for error messages, and always
// stopped, whether the benchmark ends normally, fails or is interrupted.
import { spawn } from 'node:child_process';
import net from 'node:net';
import { clearTimeout, setTimeout } from 'node:timers';

const children = new Set();

/** A port nothing listens on right now (the OS picks it, we release it and hand it to a child). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `node <args>`; `output()` returns its last lines, for when something goes wrong. */
export function startNode(name, args, env) {
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk) => {
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  children.add(child);
  exited.then(() => children.delete(child));
  return { name, child, exited, output: () => tail.trim() };
}

/** Polls `check` until it resolves true; fails early if the process dies, or after `timeoutMs`. */
export async function waitUntil(processHandle, what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let died = null;
  processHandle.exited.then((status) => (died = status));
  while (Date.now() < deadline) {
    if (died) {
      throw new Error(
        `${processHandle.name} exited (${died.code ?? died.signal}) before ${what}:\n${processHandle.output()}`,
      );
    }
    if (await check().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${processHandle.name}: timed out waiting for ${what}:\n${processHandle.output()}`);
}

/** SIGTERM every child still running, then SIGKILL whatever has not exited after `graceMs`. */
export async function stopAll(graceMs = 3000) {
  const running = [...children];
  for (const child of running) child.kill('SIGTERM');
  const timer = setTimeout(() => running.forEach((child) => child.kill('SIGKILL')), graceMs);
  await Promise.all(
    running.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) resolve();
          else child.once('exit', resolve);
        }),
    ),
  );
  clearTimeout(timer);
}

// Last resort if the benchmark dies without reaching its own clean-up: never leave servers behind.
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    stopAll().finally(() => process.exit(130));
  });
}
