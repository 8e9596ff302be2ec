// Cost of the attack detector (src/security/attack-detector.ts), in process, against dist/:
// (1) p50 and p99 of judging a realistic 8 KiB licence JSON body, and a small validate request (request
// line and body); (2) time to judge 1 MiB pathological inputs, each of which must take under 50 ms: long
// runs, deep and wide JSON, and bodies that hold no finding at all (where every pattern reads every byte).
// `npm run bench` builds dist/ first.
//
//   BENCH_SAMPLES  judgements per realistic measurement (default 5000)
import os from 'node:os';
import { createAttackDetector } from '../dist/security/attack-detector.js';

const SAMPLES = Number(process.env.BENCH_SAMPLES ?? 5000);
const PATHOLOGICAL_GOAL_MS = 50;
const MIB = 1 << 20;

const detector = createAttackDetector();

/** A deterministic pseudo-random source, so every run judges the same bodies. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

const NAMES = [
  "Seán O'Brien",
  'Zoë Müller',
  "D'Angelo Smith",
  '山田 太郎',
  'Ana-María García',
  'Jean-Luc Picard',
];
const COMPANIES = [
  'Smith & Sons',
  "Ben & Jerry's",
  'AT&T',
  '"Quoted" Ltd',
  'Müller GmbH & Co. KG',
  'Union Pacific',
];
const NOTES = [
  'Please select the union plan for this customer; renewal due in March.',
  'Installed at C:\\Program Files\\App on DESKTOP-7F3K2LQ, re-activated after the disk failure.',
  'See https://shop.example.com/order?id=12345&ref=newsletter for the invoice (paid 20% upfront).',
  'Drop-in replacement for the old key server. Contact: john.obrien@example.com, +1 (555) 123-4567.',
  'Customer said: "it just works now" 😀 — upgraded to Pro, 5 seats, or 10 if the budget allows.',
];

/** A licence creation body with customer, metadata and notes, about 8 KiB of JSON, no two notes alike. */
function realisticBody() {
  const next = random(42);
  const pick = (list) => list[Math.floor(next() * list.length)];
  const body = {
    product_id: 'prd_01HZX3K9Q8W7E6R5T4Y3U2I1O0',
    customer_id: 'cus_01HZX3K9Q8W7E6R5T4Y3U2I1O1',
    max_activations: 5,
    expires_at: '2026-01-31T23:59:59.000Z',
    features: ['export', 'sso', 'priority_support'],
    metadata: { order_id: 'ORD-2024-0815', history: [] },
  };
  while (JSON.stringify(body).length < 8192) {
    body.metadata.history.push({
      at: new Date(Date.UTC(2024, Math.floor(next() * 12), 1 + Math.floor(next() * 28))).toISOString(),
      by: pick(NAMES),
      company: pick(COMPANIES),
      note: `${pick(NOTES)} (entry ${body.metadata.history.length + 1})`,
      device: { hostname: 'build-server-01.corp.example.com', platform: 'Windows 11 Pro 23H2 (x64)' },
      fingerprint: Math.floor(next() * 2 ** 52)
        .toString(16)
        .padStart(13, '0'),
    });
  }
  return JSON.parse(JSON.stringify(body));
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function measure(judge) {
  for (let i = 0; i < Math.min(500, SAMPLES); i++) judge();
  const times = [];
  for (let i = 0; i < SAMPLES; i++) {
    const start = process.hrtime.bigint();
    judge();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

/** Inputs built to hurt: long runs that make naive patterns backtrack, deep and wide JSON. */
function pathologicalInputs() {
  const next = random(7);
  const alphabet = 'abc de\'f<g>h(i)j=k;l%m/n-o"p&q|r#s\\t`u';
  let text = '';
  while (text.length < MIB) text += alphabet[Math.floor(next() * alphabet.length)];
  let deep = 'x';
  for (let i = 0; i < 1000; i++) deep = { a: [deep] };
  const wide = [];
  for (let size = 2; size < MIB; size += 11) wide.push(`a'${wide.length}<b`);
  // The worst case is a body that holds no finding: every pattern reads all of it. Values from an alphabet
  // rich in the characters patterns look for, kept when the detector finds nothing in them alone.
  const rich = 'abcdefxyz ABCXYZ 0123456789 \'"`<>()[]{}=;:,.!?/\\|&#%$@*+-_~^';
  const clean = [];
  for (let size = 0; size < MIB;) {
    let value = '';
    const length = 4 + Math.floor(next() * 40);
    while (value.length < length) value += rich[Math.floor(next() * rich.length)];
    if (detector.inspectBody([value]) !== null) continue;
    clean.push(value);
    size += value.length + 3;
  }
  const words = ['licence', 'renewal', 'customer', 'device', 'seats', 'upgrade', 'invoice', 'paid', 'key'];
  let prose = '';
  while (prose.length < MIB)
    prose += `${words[Math.floor(next() * words.length)]}${next() < 0.1 ? '. ' : ' '}`;
  // Strings are flattened through JSON as a parsed request body would be (String#repeat builds ropes).
  const flat = (value) => JSON.parse(JSON.stringify(value));
  return [
    ["1 MiB of '", { note: flat("'".repeat(MIB)) }],
    ['1 MiB of <', { note: flat('<'.repeat(MIB)) }],
    ['1 MiB of %25', { note: flat('%25'.repeat(MIB / 3)) }],
    ['1 MiB of %41x', { note: flat('%41x'.repeat(MIB / 4)) }],
    ['1 MiB of ../', { note: flat('../'.repeat(MIB / 3)) }],
    ["1 MiB of a'a'a'", { note: flat("a'".repeat(MIB / 2)) }],
    ['1 MiB of random punctuation', { note: text }],
    ['JSON nested 1000 deep', flat(deep)],
    [`JSON array of ${wide.length} short strings`, flat(wide)],
    ['1 MiB of prose, no finding', { note: prose }],
    [`JSON array of ${clean.length} strings, no finding`, flat(clean)],
  ];
}

function main() {
  console.log(`\nAttack detector, Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}`);
  const body = realisticBody();
  const small = {
    license_key: 'ABCD-EFGH-JKMN-PQRS',
    fingerprint: 'f1d2d2f924e986ac86fdf7b36c94bcdf32beec15',
  };
  const request = {
    path: '/api/v1/licenses/validate',
    query: '',
    headers: {
      'user-agent': 'MyApp/4.2.1 (Windows 11; x64) okhttp/4.12.0',
      'idempotency-key': 'order-4711-retry-1',
    },
  };
  const realistic = measure(() => detector.inspectBody(body));
  const validate = measure(() => detector.inspectRequestLine(request) ?? detector.inspectBody(small));
  console.log(`\n${'realistic input'.padEnd(40)} ${'p50 ms'.padStart(9)} ${'p99 ms'.padStart(9)}`);
  console.log(
    `${`8 KiB licence body (${JSON.stringify(body).length} B)`.padEnd(40)} ${realistic.p50.toFixed(3).padStart(9)} ${realistic.p99.toFixed(3).padStart(9)}`,
  );
  console.log(
    `${'validate request (line + body)'.padEnd(40)} ${validate.p50.toFixed(3).padStart(9)} ${validate.p99.toFixed(3).padStart(9)}`,
  );

  let failed = false;
  console.log(
    `\n${'pathological input'.padEnd(40)} ${'ms'.padStart(9)}  verdict     (goal < ${PATHOLOGICAL_GOAL_MS} ms)`,
  );
  for (const [title, input] of pathologicalInputs()) {
    detector.inspectBody(input); // warm-up: the first call pays for compiling the code paths
    const runs = [];
    for (let i = 0; i < 5; i++) {
      const start = process.hrtime.bigint();
      const hit = detector.inspectBody(input);
      runs.push({ ms: Number(process.hrtime.bigint() - start) / 1e6, hit });
    }
    runs.sort((a, b) => a.ms - b.ms);
    const { ms, hit } = runs[2];
    const ok = ms < PATHOLOGICAL_GOAL_MS;
    failed ||= !ok;
    console.log(
      `${title.padEnd(40)} ${ms.toFixed(1).padStart(9)}  ${(hit?.rule_id ?? 'none').padEnd(24)} ${ok ? 'meets' : 'ABOVE'}`,
    );
  }
  if (failed) {
    console.error(`\nA pathological input took ${PATHOLOGICAL_GOAL_MS} ms or more (median of 5).`);
    process.exitCode = 1;
  }
}

main();
