import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { genesisHead } from './chain.js';
import { keyId, signCheckpoint, type SignedCheckpoint } from './checkpoint.js';
import { verifyCheckpointChain } from './verify-checkpoints.js';

const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const other = generateKeyPairSync('ed25519');
const genesis = genesisHead('activity').toString('hex');
const START = Date.UTC(2026, 5, 1);

/** Checkpoints 1..n a minute apart, each linking the previous one's signature; newest first. */
function chainOf(n: number, at: (i: number) => number = (i) => START + i * 60_000): SignedCheckpoint[] {
  const out: SignedCheckpoint[] = [];
  for (let i = 0; i < n; i++) {
    out.push(
      signCheckpoint(
        {
          log: 'activity',
          number: i + 1,
          count: i * 3,
          head: genesis,
          retained_from: 1,
          retained_after: genesis,
          end: new Date(at(i)).toISOString(),
          previous: out[i - 1]?.signature ?? null,
          key: keyId(publicKey),
        },
        privateKey,
      ),
    );
  }
  return out.reverse();
}

const check = (checkpoints: SignedCheckpoint[], now?: Date) =>
  verifyCheckpointChain({
    log: 'activity',
    checkpoints,
    publicKey,
    intervalSeconds: 60,
    fromFirst: true,
    ...(now && { now }),
  }).problems.map((p) => [p.kind, p.checkpoint]);

describe('checking a log’s checkpoints among themselves', () => {
  it('finds nothing wrong with an unbroken chain', () => {
    expect(check(chainOf(5), new Date(START + 5 * 60_000))).toEqual([]);
  });

  it('reports a missing checkpoint by its number', () => {
    const chain = chainOf(5).toSpliced(2, 1); // number 3 removed
    expect(check(chain)).toEqual([['checkpoint_missing', 3]]);
    expect(check(chainOf(5).slice(0, 3))).toEqual([['checkpoint_missing', 1]]);
  });

  it('reports a checkpoint whose signature does not verify, or that another key signed', () => {
    const chain = chainOf(3);
    chain[1] = { ...chain[1]!, count: 99 };
    expect(check(chain)).toEqual([
      ['checkpoint_out_of_order', 3], // counts fewer entries than the altered one says
      ['checkpoint_invalid', 2],
    ]);
    const forged = chainOf(3);
    forged[0] = signCheckpoint({ ...forged[0]!, key: keyId(other.publicKey) }, other.privateKey);
    expect(check(forged)).toEqual([['checkpoint_invalid', 3]]);
  });

  it('reports checkpoints out of order: numbers, links, end times', () => {
    const chain = chainOf(3);
    expect(check([chain[1]!, chain[0]!, chain[2]!])).toContainEqual(['checkpoint_out_of_order', 2]);
    const relinked = chainOf(3);
    relinked[0] = signCheckpoint({ ...relinked[0]!, previous: 'ab'.repeat(64) }, privateKey);
    expect(check(relinked)).toEqual([['checkpoint_out_of_order', 3]]);
    const backwards = chainOf(3, (i) => START - i * 60_000);
    expect(check(backwards)).toEqual([
      ['checkpoint_out_of_order', 3],
      ['checkpoint_out_of_order', 2],
    ]);
  });

  it('reports a time gap of more than two intervals, also up to now', () => {
    const chain = chainOf(4, (i) => START + i * 60_000 + (i >= 2 ? 3 * 60_000 : 0));
    expect(check(chain)).toEqual([['checkpoint_gap', 3]]);
    expect(check(chainOf(2), new Date(START + 10 * 60_000))).toEqual([['checkpoint_gap', 2]]);
  });
});
