import { randomFillSync } from 'node:crypto';
import { monotonicFactory } from 'ulidx';
import type { Clock } from './clock.js';

export type IdPrefix =
  | 'prd'
  | 'cus'
  | 'note'
  | 'lic'
  | 'act'
  | 'key'
  | 'adm'
  | 'log'
  | 'imp'
  | 'ses'
  | 'lgf'
  | 'rcv'
  | 'rule'
  | 'allow'
  | 'alrule'
  | 'alert'
  | 'ntf'
  | 'whk'
  | 'evt'
  | 'dlv'
  | 'eml'
  | 'etv'
  | 'snk';

/** Type-prefixed, time-sortable ids (`lic_01J…`): what the API exposes and stores. */
export interface IdGenerator {
  next(prefix: IdPrefix): string;
}

/**
 * ulidx asks the CSPRNG for one byte per character (16 system calls an id); log entries need an id per
 * request, so the bytes are drawn from a pool refilled 4 KiB at a time. Values stay in [0, 1).
 */
export function pooledRandom(poolSize = 4096): () => number {
  const pool = new Uint8Array(poolSize);
  let next = poolSize;
  return () => {
    if (next === poolSize) {
      randomFillSync(pool);
      next = 0;
    }
    return pool[next++]! / 256;
  };
}

export function createIdGenerator(clock: Clock): IdGenerator {
  const ulid = monotonicFactory(pooledRandom());
  return { next: (prefix) => `${prefix}_${ulid(clock.now().getTime()).toLowerCase()}` };
}
