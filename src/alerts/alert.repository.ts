import type { Db, Executor } from '../db/database.js';
import { parseJson, toJson } from '../db/json.js';
import {
  withAlertTables,
  type AlertNotificationTable,
  type AlertRuleTable,
  type AlertTable,
} from './alert.tables.js';

/** A rule as the service handles it: JSON parsed, the webhook secret left out. */
export interface RuleRecord {
  id: string;
  builtin: string | null;
  name: string;
  description: string | null;
  severity: string;
  enabled: boolean;
  condition: unknown;
  cooldown_minutes: number;
  notify_emails: string[];
  webhook_url: string | null;
  webhook_secret_set: boolean;
  created_by: string | null;
  created_at: string;
  updated_at: string;
}

export type AlertRecord = Omit<AlertTable, 'details'> & { details: Record<string, unknown> };
export type NotificationRecord = AlertNotificationTable;

export interface AlertFilters {
  state?: string;
  severity?: string;
  ruleId?: string;
  from?: string;
  to?: string;
}

// Explicit columns: the webhook secret is selected only by `webhookSecret`, for signing.
const RULE_COLUMNS = [
  'id',
  'builtin',
  'name',
  'description',
  'severity',
  'enabled',
  'condition',
  'cooldown_minutes',
  'notify_emails',
  'webhook_url',
  'created_by',
  'created_at',
  'updated_at',
] as const;

type RuleColumns = Omit<
  Pick<AlertRuleTable, (typeof RULE_COLUMNS)[number]>,
  'condition' | 'notify_emails'
> & {
  condition: unknown;
  notify_emails: unknown;
  secret_set: number;
};

function toRule(row: RuleColumns): RuleRecord {
  const { secret_set, ...rest } = row;
  return {
    ...rest,
    enabled: Number(row.enabled) === 1,
    condition: parseJson(row.condition),
    notify_emails: parseJson<string[]>(row.notify_emails) ?? [],
    webhook_secret_set: Number(secret_set) === 1,
  };
}

const toAlert = (row: Omit<AlertTable, 'details'> & { details: unknown }): AlertRecord => ({
  ...row,
  value: Number(row.value),
  threshold: Number(row.threshold),
  details: parseJson<Record<string, unknown>>(row.details) ?? {},
});

export type RuleInsert = Omit<AlertRuleTable, 'condition' | 'notify_emails' | 'deleted_at'> & {
  condition: unknown;
  notify_emails: string[];
};
export type RulePatch = Partial<Omit<RuleInsert, 'id' | 'builtin' | 'created_at' | 'created_by'>>;

export function createAlertRepository(db: Db) {
  const t = (tx: Executor) => withAlertTables(tx as Db);

  function rules(tx: Executor) {
    return t(tx)
      .selectFrom('alert_rules')
      .select(RULE_COLUMNS)
      .select((eb) => eb.case().when('webhook_secret', 'is not', null).then(1).else(0).end().as('secret_set'))
      .where('deleted_at', 'is', null);
  }

  return {
    async listRules(limit: number, afterId: string | undefined, tx: Executor = db): Promise<RuleRecord[]> {
      let q = rules(tx);
      if (afterId) q = q.where('id', '>', afterId);
      return (await q.orderBy('id').limit(limit).execute()).map(toRule);
    },

    async enabledRules(tx: Executor = db): Promise<RuleRecord[]> {
      return (await rules(tx).where('enabled', '=', 1).orderBy('id').execute()).map(toRule);
    },

    async findRule(id: string, tx: Executor = db): Promise<RuleRecord | undefined> {
      const row = await rules(tx).where('id', '=', id).executeTakeFirst();
      return row && toRule(row);
    },

    async builtinKeys(tx: Executor = db): Promise<string[]> {
      const rows = await t(tx)
        .selectFrom('alert_rules')
        .select('builtin')
        .where('builtin', 'is not', null)
        .execute();
      return rows.map((r) => r.builtin!);
    },

    /** The key alert webhooks of this rule are signed with; for the notifier only. */
    async webhookSecret(id: string, tx: Executor = db): Promise<string | null> {
      const row = await t(tx)
        .selectFrom('alert_rules')
        .select('webhook_secret')
        .where('id', '=', id)
        .executeTakeFirst();
      return row?.webhook_secret ?? null;
    },

    async insertRule(row: RuleInsert, tx: Executor = db): Promise<void> {
      await t(tx)
        .insertInto('alert_rules')
        .values({
          ...row,
          condition: toJson(row.condition),
          notify_emails: toJson(row.notify_emails),
          deleted_at: null,
        })
        .execute();
    },

    async updateRule(id: string, patch: RulePatch, tx: Executor = db): Promise<void> {
      const { condition, notify_emails, ...rest } = patch;
      await t(tx)
        .updateTable('alert_rules')
        .set({
          ...rest,
          ...(condition !== undefined && { condition: toJson(condition) }),
          ...(notify_emails !== undefined && { notify_emails: toJson(notify_emails) }),
        })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .execute();
    },

    async deleteRule(id: string, at: string, tx: Executor = db): Promise<boolean> {
      const result = await t(tx)
        .updateTable('alert_rules')
        .set({ deleted_at: at, enabled: 0, webhook_secret: null })
        .where('id', '=', id)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async firingAlerts(ruleId: string, tx: Executor = db): Promise<AlertRecord[]> {
      const rows = await t(tx)
        .selectFrom('alerts')
        .selectAll()
        .where('rule_id', '=', ruleId)
        .where('state', '=', 'firing')
        .execute();
      return rows.map(toAlert);
    },

    /** When each group of a rule last started firing, from `since` on (older ones are out of any cool-down). */
    async lastStarted(ruleId: string, since: string, tx: Executor = db): Promise<Map<string, string>> {
      const rows = await t(tx)
        .selectFrom('alerts')
        .select((eb) => ['group_key', eb.fn.max('started_at').as('started_at')])
        .where('rule_id', '=', ruleId)
        .where('started_at', '>=', since)
        .groupBy('group_key')
        .execute();
      return new Map(rows.map((r) => [r.group_key, String(r.started_at)]));
    },

    /** The rules with an alert firing now or started since `since`: the only ones a quiet evaluation must look at. */
    async rulesWithRecentAlerts(since: string, tx: Executor = db): Promise<Set<string>> {
      const rows = await t(tx)
        .selectFrom('alerts')
        .select('rule_id')
        .distinct()
        .where((eb) => eb.or([eb('state', '=', 'firing'), eb('started_at', '>=', since)]))
        .execute();
      return new Set(rows.map((r) => r.rule_id));
    },

    async insertAlert(row: AlertRecord, tx: Executor = db): Promise<void> {
      await t(tx)
        .insertInto('alerts')
        .values({ ...row, details: toJson(row.details) })
        .execute();
    },

    async refreshAlert(
      id: string,
      fields: Pick<AlertTable, 'value' | 'last_seen_at'>,
      tx: Executor = db,
    ): Promise<void> {
      await t(tx).updateTable('alerts').set(fields).where('id', '=', id).execute();
    },

    async resolveAlert(id: string, at: string, tx: Executor = db): Promise<boolean> {
      const result = await t(tx)
        .updateTable('alerts')
        .set({ state: 'resolved', resolved_at: at, last_seen_at: at })
        .where('id', '=', id)
        .where('state', '=', 'firing')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    /** Resolves every alert of a rule still firing (the rule was disabled or deleted). */
    async resolveAllOf(ruleId: string, at: string, tx: Executor = db): Promise<void> {
      await t(tx)
        .updateTable('alerts')
        .set({ state: 'resolved', resolved_at: at, last_seen_at: at })
        .where('rule_id', '=', ruleId)
        .where('state', '=', 'firing')
        .execute();
    },

    /** False when the alert was acknowledged already. */
    async acknowledge(id: string, at: string, by: string, tx: Executor = db): Promise<boolean> {
      const result = await t(tx)
        .updateTable('alerts')
        .set({ acknowledged_at: at, acknowledged_by: by })
        .where('id', '=', id)
        .where('acknowledged_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async findAlert(id: string, tx: Executor = db): Promise<AlertRecord | undefined> {
      const row = await t(tx).selectFrom('alerts').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toAlert(row);
    },

    /** Newest first, keyset on the id (ids sort by start). */
    async listAlerts(
      filters: AlertFilters,
      limit: number,
      beforeId: string | undefined,
      tx: Executor = db,
    ): Promise<AlertRecord[]> {
      let q = t(tx).selectFrom('alerts').selectAll();
      if (filters.state) q = q.where('state', '=', filters.state);
      if (filters.severity) q = q.where('severity', '=', filters.severity);
      if (filters.ruleId) q = q.where('rule_id', '=', filters.ruleId);
      if (filters.from) q = q.where('started_at', '>=', filters.from);
      if (filters.to) q = q.where('started_at', '<', filters.to);
      if (beforeId) q = q.where('id', '<', beforeId);
      return (await q.orderBy('id', 'desc').limit(limit).execute()).map(toAlert);
    },

    async firingCounts(
      tx: Executor = db,
    ): Promise<{ rule_id: string; rule_name: string; severity: string; count: number }[]> {
      const rows = await t(tx)
        .selectFrom('alerts')
        .select((eb) => ['rule_id', 'rule_name', 'severity', eb.fn.countAll<number>().as('count')])
        .where('state', '=', 'firing')
        .groupBy(['rule_id', 'rule_name', 'severity'])
        .execute();
      return rows.map((r) => ({ ...r, count: Number(r.count) }));
    },

    async insertNotification(row: NotificationRecord, tx: Executor = db): Promise<void> {
      await t(tx).insertInto('alert_notifications').values(row).execute();
    },

    async finishNotification(
      id: string,
      fields: Pick<NotificationRecord, 'status' | 'attempts' | 'response_status' | 'error' | 'completed_at'>,
      tx: Executor = db,
    ): Promise<void> {
      await t(tx).updateTable('alert_notifications').set(fields).where('id', '=', id).execute();
    },

    /** Marks a pending notification as being sent; false when another process took it first. */
    async claimNotification(id: string, tx: Executor = db): Promise<boolean> {
      const result = await t(tx)
        .updateTable('alert_notifications')
        .set({ status: 'sending' })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async notificationsOf(alertId: string, tx: Executor = db): Promise<NotificationRecord[]> {
      return t(tx)
        .selectFrom('alert_notifications')
        .selectAll()
        .where('alert_id', '=', alertId)
        .orderBy('id')
        .execute();
    },

    async pendingNotifications(limit: number, tx: Executor = db): Promise<NotificationRecord[]> {
      return t(tx)
        .selectFrom('alert_notifications')
        .selectAll()
        .where('status', '=', 'pending')
        .orderBy('id')
        .limit(limit)
        .execute();
    },

    /** Claims an evaluation interval; false when another process already has it. */
    async claimInterval(interval: number, at: string, by: string, tx: Executor = db): Promise<boolean> {
      const result = await t(tx)
        .insertInto('alert_evaluations')
        .values({ interval, evaluated_at: at, evaluated_by: by })
        .onConflict((oc) => oc.column('interval').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async pruneEvaluations(beforeInterval: number, tx: Executor = db): Promise<void> {
      await t(tx).deleteFrom('alert_evaluations').where('interval', '<', beforeInterval).execute();
    },

    async recordMeasurements(
      rows: { metric: string; source: string; measured_at: string; value: number }[],
      tx: Executor = db,
    ): Promise<void> {
      await t(tx)
        .insertInto('alert_measurements')
        .values(rows)
        .onConflict((oc) =>
          oc
            .columns(['metric', 'source', 'measured_at'])
            .doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })),
        )
        .execute();
    },

    /** Samples of a metric from `since` on, oldest first, with each source's last sample before `since`. */
    async measurements(metric: string, since: string, until: string, tx: Executor = db) {
      const within = await t(tx)
        .selectFrom('alert_measurements')
        .select(['source', 'measured_at', 'value'])
        .where('metric', '=', metric)
        .where('measured_at', '>=', since)
        .where('measured_at', '<=', until)
        .orderBy('measured_at')
        .execute();
      const before = await t(tx)
        .selectFrom('alert_measurements as m')
        .select(['m.source', 'm.measured_at', 'm.value'])
        .where('m.metric', '=', metric)
        .where('m.measured_at', '=', (eb) =>
          eb
            .selectFrom('alert_measurements as n')
            .select((n) => n.fn.max('n.measured_at').as('at'))
            .whereRef('n.source', '=', 'm.source')
            .where('n.metric', '=', metric)
            .where('n.measured_at', '<', since),
        )
        .execute();
      const num = (rows: { source: string; measured_at: string; value: number }[]) =>
        rows.map((r) => ({ ...r, value: Number(r.value) }));
      return { before: num(before), within: num(within) };
    },

    async pruneMeasurements(before: string, tx: Executor = db): Promise<void> {
      await t(tx).deleteFrom('alert_measurements').where('measured_at', '<', before).execute();
    },
  };
}

export type AlertRepository = ReturnType<typeof createAlertRepository>;
