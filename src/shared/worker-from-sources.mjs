// Entry of a worker thread started from the TypeScript sources (see worker-thread.ts): Node 20 does
// not pass a parent's loader hooks on to its workers, so the thread registers tsx itself, then loads
// the module named by its last argument.
import { register } from 'tsx/esm/api';

register();
await import(process.argv.at(-1));
