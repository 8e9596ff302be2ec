import { beforeAll, describe, expect, it } from 'vitest';
import { createAttackDetector, type AttackCategory } from '../../src/security/attack-detector.js';
import { loadAttackCorpus, type CorpusFile } from './fixtures/attack-corpus.js';
import { benignTraffic } from './fixtures/benign-traffic.js';
import { HARD_INNOCENTS } from './fixtures/hard-innocents.js';

/**
 * Detection and false-positive rates of the attack detector, printed and held to the issue's goals:
 * at least 95% of the SQL injection, XSS and traversal payloads of the public lists, wherever they are
 * placed; fewer than 1 in 1,000 ordinary licence requests and fewer than 5 in 100 hard innocent values
 * flagged. Command injection has no goal: its rate is printed.
 */

const detector = createAttackDetector();
const GOAL = 0.95;
const GOAL_CATEGORIES: AttackCategory[] = ['sqli', 'xss', 'path_traversal'];

type Placement = 'query' | 'body' | 'path';

/** Sends a payload the way a client would put it there; true when the detector flags the request. */
function detected(payload: string, placement: Placement, category: AttackCategory): boolean {
  switch (placement) {
    case 'query':
      return (
        detector.inspectRequestLine({
          path: '/api/v1/customers',
          query: `limit=20&q=${encodeURIComponent(payload)}`,
          headers: { 'user-agent': 'curl/8.7.1' },
        }) !== null
      );
    case 'body':
      return (
        detector.inspectBody({
          license_key: 'ABCD-EFGH-JKMN-PQRS',
          metadata: { customer: { notes: ['first', payload] } },
        }) !== null
      );
    case 'path': {
      // A traversal payload goes in raw, as an attacker's tool sends it (only what would end the path is
      // escaped); anything else is one path segment, percent-encoded as any HTTP client does.
      const segment =
        category === 'path_traversal'
          ? payload.replace(/[\s#?]/g, encodeURIComponent)
          : encodeURIComponent(payload);
      return (
        detector.inspectRequestLine({ path: `/api/v1/customers/${segment}`, query: '', headers: {} }) !== null
      );
    }
  }
}

interface Rate {
  found: number;
  total: number;
}

const percent = ({ found, total }: Rate) => `${((100 * found) / total).toFixed(1)}%`;

describe('attack corpus', () => {
  let files: CorpusFile[];
  const byCategory = new Map<string, Rate>();

  beforeAll(() => {
    files = loadAttackCorpus();
    const rows: string[] = [];
    for (const placement of ['query', 'body', 'path'] as Placement[]) {
      for (const file of files) {
        const found = file.payloads.filter((payload) => detected(payload, placement, file.category)).length;
        rows.push(
          `${placement.padEnd(6)} ${file.name.padEnd(52)} ${String(file.payloads.length).padStart(5)}  ${percent({ found, total: file.payloads.length }).padStart(6)}`,
        );
        const key = `${file.category}/${placement}`;
        const rate = byCategory.get(key) ?? { found: 0, total: 0 };
        byCategory.set(key, { found: rate.found + found, total: rate.total + file.payloads.length });
      }
    }
    const summary = [...byCategory].map(
      ([key, rate]) => `${key.padEnd(30)} ${String(rate.total).padStart(5)}  ${percent(rate).padStart(6)}`,
    );
    console.log(
      `Attack detection by file and placement:\n${rows.join('\n')}\n\nBy category:\n${summary.join('\n')}`,
    );
  });

  it('reads every list of the shared corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(4);
    for (const category of [...GOAL_CATEGORIES, 'command_injection']) {
      expect(files.some((file) => file.category === category)).toBe(true);
    }
  });

  it.each(GOAL_CATEGORIES.flatMap((c) => (['query', 'body', 'path'] as const).map((p) => [c, p])))(
    'detects at least 95%% of the %s payloads placed in the %s',
    (category, placement) => {
      const rate = byCategory.get(`${category}/${placement}`)!;
      expect(rate.found / rate.total).toBeGreaterThanOrEqual(GOAL);
    },
  );
});

describe('benign traffic', () => {
  it('flags fewer than 1 in 1,000 ordinary licence requests', () => {
    const requests = benignTraffic(6000);
    const flagged = requests.filter(
      (request) =>
        detector.inspectRequestLine(request) !== null ||
        (request.body !== undefined && detector.inspectBody(request.body) !== null),
    );
    console.log(`Benign licence traffic: ${flagged.length} of ${requests.length} requests flagged`);
    expect(flagged.length / requests.length).toBeLessThan(1 / 1000);
  });

  it('flags fewer than 5 in 100 hard innocent values', () => {
    const flagged = HARD_INNOCENTS.filter(
      (value) =>
        detector.inspectBody({ metadata: { note: value } }) !== null ||
        detector.inspectRequestLine({
          path: '/api/v1/customers',
          query: `q=${encodeURIComponent(value)}`,
          headers: {},
        }) !== null,
    );
    console.log(
      `Hard innocent values: ${flagged.length} of ${HARD_INNOCENTS.length} flagged\n${flagged.map((v) => `  ${v}`).join('\n')}`,
    );
    expect(HARD_INNOCENTS.length).toBeGreaterThanOrEqual(90);
    expect(flagged.length / HARD_INNOCENTS.length).toBeLessThan(0.05);
  });
});
