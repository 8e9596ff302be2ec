import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { arraySource, chainOf } from '../../../test/helpers/chain-entries.js';
import { genesisHead, nextHeadHex } from './chain.js';
import type { ChainEntry, ChainEntrySource } from './chain-entry.js';
import { keyId, signCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { verifyLog } from './verify-log.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const LOG = 'blocked' as const;
const entries = chainOf(
  LOG,
  Array.from({ length: 40 }, (_, i) => `["blocked","entry ${i}"]`),
);
const hashAt = (seq: number) => (seq === 0 ? genesisHead(LOG).toString('hex') : entries[seq - 1]!.hash);

/** Checkpoints at the given counts, newest first, keeping entries from `retainedFrom`. */
function checkpointsAt(counts: number[], retainedFrom = 1): SignedCheckpoint[] {
  const out: SignedCheckpoint[] = [];
  for (const [i, count] of counts.entries()) {
    out.push(
      signCheckpoint(
        {
          log: LOG,
          number: i + 1,
          count,
          head: hashAt(count),
          retained_from: retainedFrom,
          retained_after: hashAt(retainedFrom - 1),
          end: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
          previous: out[i - 1]?.signature ?? null,
          key: keyId(publicKey),
        },
        privateKey,
      ),
    );
  }
  return out.reverse();
}

const verify = (sources: ChainEntrySource[], checkpoints = checkpointsAt([10, 25, 40]), retainedFrom = 1) =>
  verifyLog({
    log: LOG,
    checkpoints,
    publicKey,
    head: {
      count: 40,
      head: hashAt(40),
      retained_from: retainedFrom,
      retained_after: hashAt(retainedFrom - 1),
    },
    sources,
    intervalSeconds: 60,
  });

describe('verifying a log from its sources', () => {
  it('accepts entries retention deleted below where the kept part starts', async () => {
    const { problems, summary } = await verify(
      [arraySource(entries.slice(20))],
      checkpointsAt([10, 25, 40], 21),
      21,
    );
    expect(problems).toEqual([]);
    expect(summary).toEqual({ log: LOG, entriesChecked: 20, checkpointsChecked: 3 });
  });

  it('reads an archive and the database together, entries both hold once', async () => {
    const archive = arraySource(entries.slice(0, 25));
    const database = arraySource(entries.slice(15));
    const { problems, summary } = await verify([archive, database]);
    expect(problems).toEqual([]);
    expect(summary.entriesChecked).toBe(40);
  });

  it('reports an archive that disagrees with the database about an entry', async () => {
    const changed = entries
      .slice(0, 25)
      .map((e) => (e.seq === 20 ? { ...e, canonical: '["blocked","other"]' } : e));
    const { problems } = await verify([arraySource(changed), arraySource(entries.slice(15))]);
    expect(problems.map((p) => [p.kind, p.seq])).toContainEqual(['entry_modified', 20]);
  });

  it('finds a rewritten stretch (every head recomputed) at the checkpoint that signed the old one', async () => {
    let head = hashAt(11);
    const rewritten: ChainEntry[] = entries.map((e) => {
      if (e.seq < 12) return e;
      const canonical = e.seq === 12 ? '["blocked","rewritten"]' : e.canonical;
      head = nextHeadHex(head, canonical);
      return { ...e, canonical, hash: head };
    });
    const { problems } = await verify([arraySource(rewritten)]);
    expect(problems.map((p) => [p.kind, p.checkpoint])).toEqual([
      ['head_mismatch', 2],
      ['head_mismatch', 3], // the head row records the same head at 40: one report there
    ]);
  });

  it('reports a source that fails as unreadable from where it stopped', async () => {
    const failing: ChainEntrySource = {
      async *pages(log, from, to) {
        for (const entry of entries) {
          if (entry.seq > 30) throw new Error('archive day 2026-01-01 is corrupt');
          if (entry.log === log && entry.seq >= from && entry.seq <= to) yield [entry];
        }
      },
    };
    const { problems } = await verify([failing]);
    expect(problems).toEqual([
      {
        log: LOG,
        kind: 'entry_unreadable',
        seq: 31,
        message: 'reading stopped at entry 31: archive day 2026-01-01 is corrupt',
      },
    ]);
  });

  it('reports a head row that counts fewer entries than a checkpoint signed', async () => {
    const { problems } = await verifyLog({
      log: LOG,
      checkpoints: checkpointsAt([10, 25, 40]),
      publicKey,
      head: { count: 30, head: hashAt(30), retained_from: 1, retained_after: hashAt(0) },
      sources: [arraySource(entries.slice(0, 30))],
      intervalSeconds: 60,
    });
    expect(problems.map((p) => [p.kind, p.seq, p.toSeq])).toEqual([
      ['tail_truncated', 31, 40],
      ['tail_truncated', 31, 40],
    ]);
  });
});
