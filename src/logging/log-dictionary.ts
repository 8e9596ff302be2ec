import type { Executor } from '../db/database.js';
import { dictionaryHash } from './request-log.codec.js';

/** Tables that give each distinct route pattern or user agent a small integer the log rows store. */
export type DictionaryTable = 'log_endpoints' | 'log_user_agents';

const CACHE_MAX = 10_000;

/**
 * Codes of one dictionary, remembered by the writer. Only codes read as already committed are cached:
 * a code this batch inserted dies with the batch if its transaction is refused, and the next batch reads
 * it back once committed. Several processes may share a PostgreSQL database: a value is inserted with
 * `ON CONFLICT DO NOTHING` (waiting for another process's uncommitted insert of it) and its code is
 * then read, so every process ends with the same code.
 */
export function createDictionary(table: DictionaryTable) {
  const cache = new Map<string, number>();

  async function read(tx: Executor, texts: string[]): Promise<Map<string, number>> {
    const byHash = new Map(texts.map((text) => [dictionaryHash(text).toString('hex'), text]));
    const rows = await tx
      .selectFrom(table)
      .select(['id', 'hash'])
      .where(
        'hash',
        'in',
        [...byHash.keys()].map((hex) => Buffer.from(hex, 'hex')),
      )
      .execute();
    return new Map(rows.map((row) => [byHash.get(Buffer.from(row.hash).toString('hex'))!, row.id]));
  }

  return {
    /** Sets `codes[i]` to the code of `texts[i]` (null stays null), adding unseen texts in `tx`. */
    async encode(tx: Executor, texts: readonly (string | null)[], codes: (number | null)[]): Promise<void> {
      const missing = new Set<string>();
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i];
        const code = text === null || text === undefined ? null : cache.get(text);
        codes[i] = code ?? null;
        if (code === undefined && text !== null && text !== undefined) missing.add(text);
      }
      if (missing.size === 0) return;
      const committed = await read(tx, [...missing]);
      if (cache.size + committed.size > CACHE_MAX) cache.clear();
      for (const [text, code] of committed) cache.set(text, code);
      // Sorted, so two processes adding the same values take their locks in the same order.
      const unseen = [...missing].filter((text) => !committed.has(text)).sort();
      const added = unseen.length > 0 ? await insertAndRead(tx, unseen) : new Map<string, number>();
      for (let i = 0; i < texts.length; i++) {
        const text = texts[i];
        if (codes[i] === null && text !== null && text !== undefined) {
          codes[i] = committed.get(text) ?? added.get(text) ?? null;
          if (codes[i] === null) throw new Error(`${table}: no code for a value after inserting it`);
        }
      }
    },
  };

  async function insertAndRead(tx: Executor, texts: string[]): Promise<Map<string, number>> {
    await tx
      .insertInto(table)
      .values(texts.map((value) => ({ hash: dictionaryHash(value), value })))
      .onConflict((oc) => oc.column('hash').doNothing())
      .execute();
    return read(tx, texts);
  }
}

/** The code a filter on a route pattern or user agent compares with; null when the text was never logged. */
export async function dictionaryCode(
  tx: Executor,
  table: DictionaryTable,
  text: string,
): Promise<number | null> {
  const row = await tx
    .selectFrom(table)
    .select('id')
    .where('hash', '=', dictionaryHash(text))
    .executeTakeFirst();
  return row?.id ?? null;
}

/** The texts of some codes, for an answer that grouped by code. */
export async function dictionaryTexts(
  tx: Executor,
  table: DictionaryTable,
  codes: Iterable<number>,
): Promise<Map<number, string>> {
  const wanted = [...new Set(codes)];
  const texts = new Map<number, string>();
  for (let i = 0; i < wanted.length; i += 500) {
    const rows = await tx
      .selectFrom(table)
      .select(['id', 'value'])
      .where('id', 'in', wanted.slice(i, i + 500))
      .execute();
    for (const row of rows) texts.set(row.id, row.value);
  }
  return texts;
}
