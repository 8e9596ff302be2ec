// Speed of log verification (src/logging/integrity/verify-log.ts), in process, against dist/: the
// pure verifier walks synthetic API-call entries of realistic size (their canonical forms as the chain
// holds them), recomputing every head, with a signed checkpoint every 10,000 entries. Goal: at least
// 1,000,000 entries per 10 seconds on one core. `npm run bench` builds dist/ first.
//
//   BENCH_ENTRIES  entries verified (default 1,000,000)
import { generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { canonicalApiCall, genesisHead, nextHeadHex } from '../dist/logging/integrity/chain.js';
import { keyId, signCheckpoint } from '../dist/logging/integrity/checkpoint.js';
import { verifyLog } from '../dist/logging/integrity/verify-log.js';

const ENTRIES = Number(process.env.BENCH_ENTRIES ?? 1_000_000);
const GOAL_PER_SECOND = 100_000;
const LOG = 'api_calls';
const DISTINCT = 1000;
const CHECKPOINT_EVERY = 10_000;

/** An API call's canonical form as the writer makes it; `i` varies the ids, sizes and times. */
function canonical(i) {
  return canonicalApiCall(
    {
      id: `log_01jf${String(i).padStart(22, '0')}`,
      endpoint: '/api/v1/licenses/validate',
      path: '/api/v1/licenses/validate',
      method: 2,
      status: 200,
      response_time_us: 1200 + (i % 900),
      ip: `203.0.113.${i % 250}`,
      api_key: 'km_live_abcd…wxyz',
      api_key_id: 'key_01jf0000000000000000000000',
      request_size: 180 + (i % 40),
      response_size: 320 + (i % 60),
      user_agent: 'keymanager-sdk-node/2.4.1 node/20.11.0 (linux; x64)',
      license_key: 'KM-ABCD-…-WXYZ',
      license_key_hash: 'ab'.repeat(32),
      license_id: 'lic_01jf0000000000000000000000',
      customer_id: 'cus_01jf0000000000000000000000',
      product_id: 'prd_01jf0000000000000000000000',
      channel: 1,
      direction: 1,
      error_code: null,
      error_message: null,
      stack_trace: null,
      validation_errors: null,
      retry_count: null,
      request_body: null,
      request_body_truncated: null,
    },
    'cd'.repeat(32),
  );
}

const canonicals = Array.from({ length: DISTINCT }, (_, i) => canonical(i));
const hashes = new Array(ENTRIES);
let head = genesisHead(LOG).toString('hex');
for (let i = 0; i < ENTRIES; i++) hashes[i] = head = nextHeadHex(head, canonicals[i % DISTINCT]);

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const genesis = genesisHead(LOG).toString('hex');
const checkpoints = [];
for (let count = CHECKPOINT_EVERY, n = 1; count <= ENTRIES; count += CHECKPOINT_EVERY, n++) {
  checkpoints.push(
    signCheckpoint(
      {
        log: LOG,
        number: n,
        count,
        head: hashes[count - 1],
        retained_from: 1,
        retained_after: genesis,
        end: new Date(Date.UTC(2026, 0, 1) + n * 60_000).toISOString(),
        previous: checkpoints.at(-1)?.signature ?? null,
        key: keyId(publicKey),
      },
      privateKey,
    ),
  );
}
checkpoints.reverse();

// Entries are made as a database source would hand them over: a fresh object per row, pages of 1024.
const source = {
  async *pages(log, fromSeq, toSeq) {
    for (let first = fromSeq; first <= toSeq; first += 1024) {
      const page = [];
      for (let seq = first; seq <= Math.min(toSeq, first + 1023); seq++)
        page.push({
          log,
          seq,
          id: `log_${seq}`,
          timestamp: '2026-01-01T00:00:00.000Z',
          canonical: canonicals[(seq - 1) % DISTINCT],
          hash: hashes[seq - 1],
        });
      yield page;
    }
  },
};

const started = performance.now();
const { problems, summary } = await verifyLog({
  log: LOG,
  checkpoints,
  publicKey,
  head: { count: ENTRIES, head: hashes[ENTRIES - 1], retained_from: 1, retained_after: genesis },
  sources: [source],
  intervalSeconds: 60,
});
const seconds = (performance.now() - started) / 1000;
const perSecond = summary.entriesChecked / seconds;
console.log(
  `verified ${summary.entriesChecked} entries (${canonicals[0].length} byte canonical forms) and ` +
    `${summary.checkpointsChecked} checkpoints in ${seconds.toFixed(2)} s: ` +
    `${Math.round(perSecond).toLocaleString('en')} entries/s, ` +
    `${Math.round(perSecond * 10).toLocaleString('en')} per 10 s (goal ≥ 1,000,000)`,
);
if (problems.length) {
  console.log(`unexpected problems: ${problems.length}, first: ${JSON.stringify(problems[0])}`);
  process.exitCode = 1;
} else if (perSecond < GOAL_PER_SECOND) {
  console.log('missed the goal');
  process.exitCode = 1;
}
