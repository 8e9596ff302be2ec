import { monotonicFactory } from 'ulidx';
import type { Clock } from './clock.js';

export type IdPrefix = 'prd' | 'cus' | 'note' | 'lic' | 'act' | 'key' | 'adm' | 'log' | 'imp' | 'ses' | 'lgf';

/** Type-prefixed, time-sortable ids (`lic_01J…`): what the API exposes and stores. */
export interface IdGenerator {
  next(prefix: IdPrefix): string;
}

export function createIdGenerator(clock: Clock): IdGenerator {
  const ulid = monotonicFactory();
  return { next: (prefix) => `${prefix}_${ulid(clock.now().getTime()).toLowerCase()}` };
}
