// KeyManager next to what a user might otherwise build (bench/express-baseline.mjs: Express, morgan,
// better-sqlite3): POST /api/v1/licenses/validate on the KeyManager server with every log and the
// security layer on (SQLite, the default store), against the Express server, loaded in alternating
// rounds in one run. No goal: the figure says what the logging and security KeyManager adds cost.
// `npm run bench` builds dist/ first.
//
//   BENCH_DURATION     seconds per round (default 5); BENCH_ROUNDS rounds per server (default 3)
//   BENCH_CONNECTIONS  concurrent connections (default 50)
import os from 'node:os';
import { compareServers } from './ab-servers.mjs';
import { stopAll } from './processes.mjs';

const duration = Number(process.env.BENCH_DURATION ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);

try {
  console.log(`Node ${process.version}, ${os.cpus().length} CPUs`);
  const { a: keymanager, b: baseline } = await compareServers({
    a: { name: 'keymanager', env: {} },
    b: { name: 'express', env: {}, script: 'bench/express-baseline.mjs' },
    rounds,
    duration,
    connections,
  });
  console.log(
    `validate, ${connections} connections, ${rounds} alternating rounds of ${duration} s per server`,
  );
  for (const [name, result] of [
    ['KeyManager, every log and the security layer on', keymanager],
    ['Express + morgan + better-sqlite3             ', baseline],
  ]) {
    console.log(
      `  ${name}: ${result.rps.toFixed(0)} req/s, worst-round p99 ${result.p99} ms, ` +
        `${result.perCpuSecond.toFixed(0)} per CPU-second of the server ` +
        `(rounds: ${result.rounds.map((r) => r.rps.toFixed(0)).join(' | ')})`,
    );
  }
  console.log(
    `throughput KeyManager/Express = ${(keymanager.rps / baseline.rps).toFixed(3)}; ` +
      `per CPU-second ${(keymanager.perCpuSecond / baseline.perCpuSecond).toFixed(3)}`,
  );
} catch (error) {
  console.error(`\nExpress comparison failed: ${error.stack ?? error.message}`);
  process.exitCode = 1;
} finally {
  await stopAll();
}
