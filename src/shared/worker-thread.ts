import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on the module `name` beside `callerUrl` (the caller's `import.meta.url`). The
 * build runs the compiled `.js`; from the TypeScript sources (the test runner) the thread goes through
 * worker-from-sources.mjs, which loads the `.ts` module with tsx.
 */
export function startWorkerThread(callerUrl: string, name: string, options: WorkerOptions = {}): Worker {
  if (!callerUrl.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, callerUrl), options);
  const entry = new URL(`./${name}.ts`, callerUrl).href;
  return new Worker(new URL('./worker-from-sources.mjs', import.meta.url), { ...options, argv: [entry] });
}
