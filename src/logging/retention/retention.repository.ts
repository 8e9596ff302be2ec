import type { Kysely } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { RetentionHooks } from './retention-hooks.js';
import type { RetainedLogTable } from './retained-logs.js';

type StoredId = string | Buffer;

/** One deletion: rows removed, and the last id removed (where the next one starts). */
export interface DeletedBatch {
  deleted: number;
  lastId: StoredId | null;
}

/**
 * Deleting a log's oldest entries by primary-key range: ids sort by time, so "older than the cutoff"
 * is "id below the cutoff's first id", read in id order without touching a timestamp or sorting.
 */
export function createRetentionRepository(db: Db) {
  // The three log tables share the id column and nothing else retention reads.
  const dynamic = (executor: Executor) => executor as unknown as Kysely<Record<string, { id: StoredId }>>;

  function idsBelow(executor: Executor, spec: RetainedLogTable, before: StoredId) {
    let query = dynamic(executor).selectFrom(spec.table).where('id', '<', before);
    if (spec.rows) query = query.where(spec.rows);
    return query;
  }

  /** The log's oldest stored entry from `after` on (exclusive), as the API names it. */
  async function firstIdAfter(executor: Executor, spec: RetainedLogTable, after: StoredId | null) {
    let query = dynamic(executor).selectFrom(spec.table).select('id').orderBy('id').limit(1);
    if (after !== null) query = query.where('id', '>', after);
    if (spec.rows) query = query.where(spec.rows);
    const row = await query.executeTakeFirst();
    return row ? spec.idText(row.id) : null;
  }

  /** The log's oldest stored entry from `from` on (inclusive): the first kept once a day is dropped. */
  async function firstIdFrom(executor: Executor, spec: RetainedLogTable, from: StoredId) {
    let query = dynamic(executor).selectFrom(spec.table).select('id').orderBy('id').limit(1);
    query = query.where('id', '>=', from);
    if (spec.rows) query = query.where(spec.rows);
    const row = await query.executeTakeFirst();
    return row ? spec.idText(row.id) : null;
  }

  /**
   * The highest chain position among the log's entries with ids up to `through` (inclusive) or below it:
   * what a deletion about to run removes. Chain order can trail id order by a few entries (positions
   * are given at commit), so the kept part starts after the highest one deleted, not at the first kept id.
   */
  async function highestChainSeq(
    executor: Executor,
    spec: RetainedLogTable,
    bound: StoredId,
    inclusive: boolean,
  ) {
    const table = dynamic(executor) as unknown as Kysely<
      Record<string, { id: StoredId; chain_seq: number | null }>
    >;
    let query = table
      .selectFrom(spec.table)
      .select((eb) => eb.fn.max('chain_seq').as('seq'))
      .where('id', inclusive ? '<=' : '<', bound);
    if (spec.rows) query = query.where(spec.rows);
    const row = await query.executeTakeFirst();
    return row?.seq === null || row?.seq === undefined ? null : Number(row.seq);
  }

  return {
    firstIdAfter,
    firstIdFrom,
    highestChainSeq,

    async countBefore(spec: RetainedLogTable, before: StoredId): Promise<number> {
      const row = await idsBelow(db, spec, before)
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },

    async anyBefore(spec: RetainedLogTable, before: StoredId): Promise<boolean> {
      const row = await idsBelow(db, spec, before).select('id').limit(1).executeTakeFirst();
      return row !== undefined;
    },

    /**
     * Deletes up to `limit` of the log's entries below `before` (after `after`, where the previous
     * batch stopped) in one short transaction, and tells the chain where the log will start.
     */
    async deleteBatch(
      spec: RetainedLogTable,
      before: StoredId,
      after: StoredId | null,
      limit: number,
      onDeleted: RetentionHooks['onDeleted'],
    ): Promise<DeletedBatch> {
      return db.transaction().execute(async (tx) => {
        let page = idsBelow(tx, spec, before).select('id').orderBy('id').limit(limit);
        if (after !== null) page = page.where('id', '>', after);
        const ids = await page.execute();
        if (ids.length === 0) return { deleted: 0, lastId: null };
        const first = ids[0]!.id;
        const last = ids.at(-1)!.id;
        // The chain's start moves first: it reads the hash of the last entry this batch deletes.
        await onDeleted(
          tx,
          spec.log,
          await firstIdAfter(tx, spec, last),
          await highestChainSeq(tx, spec, last, true),
        );
        let deletion = dynamic(tx).deleteFrom(spec.table).where('id', '>=', first).where('id', '<=', last);
        if (spec.rows) deletion = deletion.where(spec.rows);
        const result = await deletion.executeTakeFirst();
        return { deleted: Number(result.numDeletedRows), lastId: last };
      });
    },
  };
}

export type RetentionRepository = ReturnType<typeof createRetentionRepository>;
