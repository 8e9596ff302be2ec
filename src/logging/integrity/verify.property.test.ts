import { generateKeyPairSync } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arraySource, chainOf } from '../../../test/helpers/chain-entries.js';
import { genesisHead, nextHeadHex } from './chain.js';
import type { ChainEntry } from './chain-entry.js';
import { keyId, signCheckpoint } from './checkpoint.js';
import { verifyLog } from './verify-log.js';
import type { Problem } from './verify-problems.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const LOG = 'api_calls' as const;
const genesis = genesisHead(LOG).toString('hex');

/** Verifies `stored` against a checkpoint and the head row taken from the untouched `original`. */
async function problemsOf(original: ChainEntry[], stored: ChainEntry[]): Promise<Problem[]> {
  const last = original.at(-1)!;
  const checkpoint = signCheckpoint(
    {
      log: LOG,
      number: 1,
      count: original.length,
      head: last.hash,
      retained_from: 1,
      retained_after: genesis,
      end: '2026-01-01T01:00:00.000Z',
      previous: null,
      key: keyId(publicKey),
    },
    privateKey,
  );
  const head = { count: original.length, head: last.hash, retained_from: 1, retained_after: genesis };
  const { problems } = await verifyLog({
    log: LOG,
    checkpoints: [checkpoint],
    publicKey,
    head,
    sources: [arraySource(stored)],
    intervalSeconds: 60,
  });
  return problems;
}

const canonicals = fc.array(fc.string({ minLength: 1, maxLength: 40 }), { minLength: 3, maxLength: 25 });

/** A mutation of a stored chain and the positions at which at least one problem must be reported. */
type Mutation = (
  entries: ChainEntry[],
  pick: number[],
) => { stored: ChainEntry[]; at: number[]; kind?: Problem['kind'] };

const index = (entries: ChainEntry[], r: number) => r % entries.length;

const MUTATIONS: Record<string, Mutation> = {
  'a byte of an entry changed': (entries, [r = 0, p = 0, c = 0]) => {
    const i = index(entries, r);
    const entry = entries[i]!;
    const position = p % entry.canonical.length;
    const old = entry.canonical.charCodeAt(position);
    const replacement = String.fromCharCode((old + 1 + (c % 94)) % 0xd7ff || 1);
    const canonical = entry.canonical.slice(0, position) + replacement + entry.canonical.slice(position + 1);
    const stored = entries.with(i, { ...entry, canonical });
    return { stored, at: [entry.seq], kind: 'entry_modified' };
  },
  'an entry deleted': (entries, [r = 0]) => {
    const i = index(entries, r);
    const last = i === entries.length - 1;
    return {
      stored: entries.toSpliced(i, 1),
      at: [entries[i]!.seq],
      kind: last ? 'tail_truncated' : 'entry_deleted',
    };
  },
  'an entry inserted and the rest renumbered': (entries, [r = 0, chained = 0]) => {
    const i = index(entries, r);
    const before = i === 0 ? genesis : entries[i - 1]!.hash;
    const canonical = '["forged"]';
    const forged: ChainEntry = {
      ...entries[i]!,
      id: 'log_forged',
      canonical,
      hash: chained % 2 ? nextHeadHex(before, canonical) : 'f'.repeat(64),
    };
    const shifted = entries.slice(i).map((entry) => ({ ...entry, seq: entry.seq + 1 }));
    return {
      stored: [...entries.slice(0, i), forged, ...shifted],
      at: [i + 1, i + 2],
      // Forged with a valid head in the last place, only the signed head shows it.
      kind: chained % 2 === 0 ? undefined : i === entries.length - 1 ? 'head_mismatch' : 'entry_inserted',
    };
  },
  'an entry inserted at a taken position': (entries, [r = 0]) => {
    const i = index(entries, r);
    const forged = { ...entries[i]!, canonical: '["forged"]', id: 'log_forged' };
    return { stored: entries.toSpliced(i + 1, 0, forged), at: [i + 1], kind: 'entry_inserted' };
  },
  'two entries swapped': (entries, [r = 0, s = 1]) => {
    const i = index(entries, r);
    let j = index(entries, s);
    if (j === i) j = (i + 1) % entries.length;
    const stored = [...entries];
    stored[i] = { ...entries[j]!, seq: entries[i]!.seq };
    stored[j] = { ...entries[i]!, seq: entries[j]!.seq };
    return { stored, at: [Math.min(i, j) + 1] };
  },
  'two entries read out of order': (entries, [r = 0]) => {
    const i = index(entries, r) % (entries.length - 1);
    const stored = [...entries];
    [stored[i], stored[i + 1]] = [entries[i + 1]!, entries[i]!];
    return { stored, at: [i + 1, i + 2], kind: 'entry_reordered' };
  },
  'an entry duplicated': (entries, [r = 0]) => {
    const i = index(entries, r);
    return { stored: entries.toSpliced(i, 0, entries[i]!), at: [i + 1], kind: 'entry_duplicated' };
  },
  'the tail truncated': (entries, [r = 0]) => {
    const keep = index(entries, r);
    return { stored: entries.slice(0, keep), at: [keep + 1], kind: 'tail_truncated' };
  },
};

describe('verifying a log against its checkpoint and head row', () => {
  it('finds no problem in an untouched log', async () => {
    await fc.assert(
      fc.asyncProperty(canonicals, async (texts) => {
        const entries = chainOf(LOG, texts);
        expect(await problemsOf(entries, entries)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('reports every kind of tampering, at its place', async () => {
    const picks = fc.array(fc.nat(10_000), { minLength: 3, maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(
        canonicals,
        fc.constantFrom(...Object.keys(MUTATIONS)),
        picks,
        async (texts, name, pick) => {
          const entries = chainOf(LOG, texts);
          const { stored, at, kind } = MUTATIONS[name]!(entries, pick);
          const problems = await problemsOf(entries, stored);
          const placed = problems.filter(
            (p) => p.seq !== undefined && at.some((seq) => seq >= p.seq! && seq <= (p.toSeq ?? p.seq!)),
          );
          expect(placed, `${name}: ${JSON.stringify(problems)}`).not.toEqual([]);
          if (kind) expect(placed.map((p) => p.kind)).toContain(kind);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
