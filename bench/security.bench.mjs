// What the security layer costs: POST /api/v1/licenses/validate through the full layer (rules, country,
// user agent, revoked keys, three rate limits, attack patterns in the request line and the body) against
// the same server without it, both with every log on. The rate limits are raised so the load from one
// address is never refused: every check still runs. Goal: throughput ratio ≥ 0.90.
// `npm run bench` builds dist/ first.
//
//   BENCH_DURATION    seconds per round (default 5); BENCH_ROUNDS rounds per server (default 3)
//   BENCH_CONNECTIONS concurrent connections (default 50)
import { compareServers } from './ab-servers.mjs';

const GOAL = 0.9;
const { a: on, b: off } = await compareServers({
  a: { name: 'security on', env: { BENCH_SECURITY: 'on' } },
  b: { name: 'security off', env: { BENCH_SECURITY: 'off' } },
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  duration: Number(process.env.BENCH_DURATION ?? 5),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
});
const ratio = on.rps / off.rps;
console.log('security layer: validate throughput, layer on against off (logs on in both)');
console.log(`  on   ${on.rps.toFixed(0)} req/s, worst-round p99 ${on.p99} ms`);
console.log(`  off  ${off.rps.toFixed(0)} req/s, worst-round p99 ${off.p99} ms`);
console.log(`  ratio ${ratio.toFixed(3)} (goal ≥ ${GOAL}) ${ratio >= GOAL ? 'met' : 'NOT MET'}`);
if (ratio < GOAL) process.exitCode = 1;
