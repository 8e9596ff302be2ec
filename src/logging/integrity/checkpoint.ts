import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import type { ChainedLog } from './chain.js';

/**
 * A signed checkpoint of one log's chain (ADR 0009), in the spirit of C2SP tlog-checkpoint: a short text
 * whose Ed25519 signature binds the log, how many entries the chain holds, its head, the time it covers
 * up to, and the previous checkpoint's signature (so checkpoints form their own chain, and a missing one
 * shows). Written at a fixed interval whether or not anything was logged. Retention deletes the oldest
 * entries, so a checkpoint also binds where the kept part of the chain starts: the position of the
 * oldest entry still kept and the head just before it (the genesis head when nothing was deleted).
 *
 *   keymanager/log-checkpoint/v1
 *   log api_calls
 *   number 42
 *   count 1234567
 *   head <hex SHA-256>
 *   retained_from 1001
 *   retained_after <hex SHA-256: head(retained_from - 1)>
 *   end 2026-12-05T12:00:00.000Z
 *   previous <hex signature of checkpoint 41, or "none">
 *   key <key id>
 */
export interface Checkpoint {
  log: ChainedLog;
  /** 1 for the log's first checkpoint, then one more each time. */
  number: number;
  /** Entries in the chain up to `head` (the chain position of the last one). */
  count: number;
  /** Hex. */
  head: string;
  /** Chain position of the oldest entry still kept (count + 1 when none is). */
  retained_from: number;
  /** Hex head(retained_from - 1). */
  retained_after: string;
  /** ISO 8601 UTC: every entry committed before this instant is covered. */
  end: string;
  /** Hex signature of checkpoint `number - 1`; null for the first. */
  previous: string | null;
  /** keyId of the signing key. */
  key: string;
}

export interface SignedCheckpoint extends Checkpoint {
  /** Hex Ed25519 signature of checkpointText(checkpoint). */
  signature: string;
}

export function checkpointText(checkpoint: Checkpoint): string {
  return [
    'keymanager/log-checkpoint/v1',
    `log ${checkpoint.log}`,
    `number ${checkpoint.number}`,
    `count ${checkpoint.count}`,
    `head ${checkpoint.head}`,
    `retained_from ${checkpoint.retained_from}`,
    `retained_after ${checkpoint.retained_after}`,
    `end ${checkpoint.end}`,
    `previous ${checkpoint.previous ?? 'none'}`,
    `key ${checkpoint.key}`,
    '',
  ].join('\n');
}

/** The first 16 hex characters of the SHA-256 of the public key's DER (SPKI) form. */
export function keyId(publicKey: KeyObject): string {
  const der = publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex').slice(0, 16);
}

export function signCheckpoint(checkpoint: Checkpoint, privateKey: KeyObject): SignedCheckpoint {
  const signature = sign(null, Buffer.from(checkpointText(checkpoint)), privateKey).toString('hex');
  return { ...checkpoint, signature };
}

export function checkpointSignatureValid(checkpoint: SignedCheckpoint, publicKey: KeyObject): boolean {
  if (!/^[0-9a-f]{128}$/.test(checkpoint.signature)) return false;
  return verify(
    null,
    Buffer.from(checkpointText(checkpoint)),
    publicKey,
    Buffer.from(checkpoint.signature, 'hex'),
  );
}

/** A PEM (SPKI) public key, as `keymanager logs verify --public-key FILE` reads it. */
export function publicKeyFromPem(pem: string): KeyObject {
  return createPublicKey(pem);
}
