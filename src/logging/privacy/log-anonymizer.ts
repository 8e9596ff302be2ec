import type { Executor } from '../../db/database.js';
import { parseJson, toJson } from '../../db/json.js';
import { inTransaction } from '../../db/transaction.js';
import type { CoreDeps } from '../../shared/deps.js';
import { CHAINED_LOGS, saltDay, type ChainedLog } from '../integrity/chain.js';
import { idBoundary } from '../log-entry.js';
import type { LoggingSettingsHolder } from '../logging-settings.js';
import { idToBytes } from '../request-log.codec.js';
import { ageOutActivityRow } from './activity-redaction.js';
import { createDaySalts } from './redacted-forms.js';
import { ageOutApiCallRows, ageOutBlockedRows } from './request-log-redaction.js';

const DAY_MS = 24 * 3600 * 1000;
/** Rows per transaction: short enough that the log writer and the API never wait long on SQLite. */
export const ANONYMIZE_BATCH = 500;
/** The settings row that remembers, per log, the newest entry already anonymized. */
const PROGRESS = 'privacy_progress';

type Progress = Partial<Record<ChainedLog, string>>;

/**
 * Applies `anonymize_after_days`: entries older than their log's period get their address truncated and
 * their user agent reduced (activity-redaction.ts, request-log-redaction.ts), oldest first, in small
 * transactions that each move the log's progress mark, so a stop loses nothing and repeats nothing.
 * Once a log is done up to a day, the salts of the days before it are deleted: their commitments can no
 * longer be tried against candidate addresses.
 */
export function createLogAnonymizer({ db, clock }: CoreDeps, settings: LoggingSettingsHolder) {
  async function readProgress(tx: Executor): Promise<Progress> {
    const row = await tx.selectFrom('settings').select('value').where('id', '=', PROGRESS).executeTakeFirst();
    return row ? parseJson<Progress>(row.value) : {};
  }

  async function saveProgress(tx: Executor, log: ChainedLog, lastId: string, at: string): Promise<void> {
    const progress = { ...(await readProgress(tx)), [log]: lastId };
    const row = { value: toJson(progress), updated_at: at, updated_by: null };
    await tx
      .insertInto('settings')
      .values({ id: PROGRESS, ...row })
      .onConflict((oc) => oc.column('id').doUpdateSet(row))
      .execute();
  }

  /** One batch of a log below `cutoff`; the number of entries it anonymized. */
  async function batch(log: ChainedLog, cutoff: Date, at: string): Promise<number> {
    return inTransaction(db, async (tx) => {
      const after = (await readProgress(tx))[log];
      const salts = createDaySalts(tx);
      if (log === 'activity') {
        let query = tx
          .selectFrom('activity_log')
          .selectAll()
          .where('id', '<', idBoundary('log', cutoff, false));
        if (after) query = query.where('id', '>', after);
        const rows = await query.orderBy('id').limit(ANONYMIZE_BATCH).execute();
        for (const row of rows) await ageOutActivityRow(tx, salts, row);
        if (rows.length > 0) await saveProgress(tx, log, rows.at(-1)!.id, at);
        return rows.length;
      }
      if (log === 'blocked') {
        let query = tx
          .selectFrom('blocked_log')
          .select(['id', 'ip', 'user_agent', 'chain_seq', 'private_commitment'])
          .where('id', '<', idToBytes(idBoundary('log', cutoff, false)));
        if (after) query = query.where('id', '>', Buffer.from(after, 'hex'));
        const rows = await query.orderBy('id').limit(ANONYMIZE_BATCH).execute();
        await ageOutBlockedRows(tx, salts, rows);
        if (rows.length > 0) await saveProgress(tx, log, rows.at(-1)!.id.toString('hex'), at);
        return rows.length;
      }
      let query = tx
        .selectFrom('api_call_log')
        .leftJoin('log_user_agents', 'log_user_agents.id', 'api_call_log.user_agent_id')
        .select([
          'api_call_log.id',
          'api_call_log.status',
          'api_call_log.ip',
          'log_user_agents.value as user_agent',
          'api_call_log.chain_seq',
          'api_call_log.private_commitment',
        ])
        .where('api_call_log.id', '<', idToBytes(idBoundary('log', cutoff, false)))
        .where('api_call_log.status', log === 'failed_api_calls' ? '>=' : '<', 400);
      if (after) query = query.where('api_call_log.id', '>', Buffer.from(after, 'hex'));
      const rows = await query.orderBy('api_call_log.id').limit(ANONYMIZE_BATCH).execute();
      await ageOutApiCallRows(tx, salts, rows);
      if (rows.length > 0) await saveProgress(tx, log, rows.at(-1)!.id.toString('hex'), at);
      return rows.length;
    });
  }

  async function forgetSalts(log: ChainedLog, cutoff: Date): Promise<void> {
    await db
      .deleteFrom('log_integrity_salts')
      .where('log', '=', log)
      .where('day', '<', saltDay(cutoff.toISOString()))
      .execute();
  }

  return {
    /** Anonymizes every entry past its log's period; answers how many per log. */
    async run(yieldBetweenBatches: () => Promise<void> = () => new Promise(setImmediate)) {
      const now = clock.now();
      const periods = settings.current().anonymize_after_days;
      const anonymized: Partial<Record<ChainedLog, number>> = {};
      for (const log of CHAINED_LOGS) {
        const days = periods[log];
        if (days === null) continue;
        const cutoff = new Date(now.getTime() - days * DAY_MS);
        let total = 0;
        for (;;) {
          const count = await batch(log, cutoff, now.toISOString());
          total += count;
          if (count < ANONYMIZE_BATCH) break;
          await yieldBetweenBatches();
        }
        await forgetSalts(log, cutoff);
        anonymized[log] = total;
      }
      return anonymized;
    },
  };
}

export type LogAnonymizer = ReturnType<typeof createLogAnonymizer>;
