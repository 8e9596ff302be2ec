import type { FastifyBaseLogger } from 'fastify';
import type { Db } from '../db/database.js';
import type { Clock } from '../shared/clock.js';
import type { IdGenerator } from '../shared/ids.js';
import { checkCondition } from './alert-conditions.js';
import { decideAlerts, type Breach } from './alert-decision.js';
import { METRIC_DATABASE_BYTES, METRIC_DROPPED, METRIC_SPOOLED, type AlertMeasure } from './alert-measure.js';
import type { AlertNotifier } from './alert-notifier.js';
import type { AlertReads } from './alert-reads.js';
import type { AlertView } from './alert.schemas.js';
import type { AlertRecord, AlertRepository, NotificationRecord, RuleRecord } from './alert.repository.js';

/** Samples are kept a little longer than the longest window a rule may have (a week). */
const MEASUREMENT_KEEP_MS = 8 * 24 * 3600_000;
const PENDING_BATCH = 200;
const SIZE_SAMPLE_MS = 10 * 60_000;
/** Old samples and interval claims are pruned every this many intervals. */
const PRUNE_EVERY = 60;

export interface EvaluatorDeps {
  db: Db;
  clock: Clock;
  ids: IdGenerator;
  logger: Pick<FastifyBaseLogger, 'warn' | 'error'>;
  repository: AlertRepository;
  reads: AlertReads;
  measure: AlertMeasure;
  notifier: AlertNotifier;
  intervalMs: number;
  /** This process, in the samples of its own counters. */
  source: string;
  /** This process's log pipeline counters since it started. */
  pipelineCounters: () => Promise<{ dropped: number; spooled: number }>;
}

export interface EvaluationReport {
  /** False when another process had already claimed this interval. */
  evaluated: boolean;
  fired: string[];
  resolved: string[];
  cooling_down: number;
  failed_rules: string[];
}

export const toAlertView = (a: AlertRecord): AlertView => ({
  id: a.id,
  rule_id: a.rule_id,
  rule_name: a.rule_name,
  group: a.group_key === '' ? null : a.group_key,
  severity: a.severity as AlertView['severity'],
  state: a.state as AlertView['state'],
  started_at: a.started_at,
  resolved_at: a.resolved_at,
  last_seen_at: a.last_seen_at,
  value: a.value,
  threshold: a.threshold,
  summary: a.summary,
  details: a.details,
  acknowledged_at: a.acknowledged_at,
  acknowledged_by: a.acknowledged_by,
});

/**
 * One evaluation: every process samples its own pipeline counters; the process that claims the
 * interval then measures every enabled rule, applies the pure decision, stores alerts and their
 * notification rows in one transaction per rule, and sends the notifications after the commit.
 */
export function createAlertEvaluator(deps: EvaluatorDeps) {
  const { db, clock, ids, logger, repository, reads, measure, notifier } = deps;

  function notificationsFor(
    rule: RuleRecord,
    alert: AlertRecord,
    event: 'fired' | 'resolved',
    at: string,
  ): NotificationRecord[] {
    const base = {
      alert_id: alert.id,
      event,
      status: 'pending',
      attempts: 0,
      response_status: null,
      error: null,
      created_at: at,
      completed_at: null,
    };
    const rows: NotificationRecord[] = [];
    if (rule.notify_emails.length > 0)
      rows.push({ ...base, id: ids.next('ntf'), channel: 'email', target: rule.notify_emails.join(', ') });
    if (rule.webhook_url)
      rows.push({ ...base, id: ids.next('ntf'), channel: 'webhook', target: rule.webhook_url });
    return rows;
  }

  function measureRule(rule: RuleRecord, now: Date): Promise<Breach[]> {
    const checked = checkCondition(rule.condition);
    if (!checked.ok) {
      const fields = checked.errors.map((e) => e.field).join(', ');
      return Promise.reject(new Error(`stored condition is not valid: ${fields}`));
    }
    return measure(checked.condition, now);
  }

  async function applyRule(
    rule: RuleRecord,
    found: Breach[],
    now: Date,
    recent: ReadonlySet<string>,
    report: EvaluationReport,
  ): Promise<void> {
    // Nothing breaches and nothing of this rule is open or cooling down: nothing to decide or store.
    if (found.length === 0 && !recent.has(rule.id)) return;
    const at = now.toISOString();
    const since = new Date(now.getTime() - rule.cooldown_minutes * 60_000).toISOString();
    await db.transaction().execute(async (tx) => {
      const open = await repository.firingAlerts(rule.id, tx);
      const decision = decideAlerts({
        breaches: found,
        open: open.map((a) => ({ id: a.id, group: a.group_key })),
        lastStarted: await repository.lastStarted(rule.id, since, tx),
        cooldownMinutes: rule.cooldown_minutes,
        now,
      });
      for (const breach of decision.fire) {
        const alert: AlertRecord = {
          id: ids.next('alert'),
          rule_id: rule.id,
          rule_name: rule.name,
          group_key: breach.group,
          severity: rule.severity,
          state: 'firing',
          started_at: at,
          resolved_at: null,
          last_seen_at: at,
          value: breach.value,
          threshold: breach.threshold,
          summary: breach.summary,
          details: breach.details,
          acknowledged_at: null,
          acknowledged_by: null,
        };
        await repository.insertAlert(alert, tx);
        for (const n of notificationsFor(rule, alert, 'fired', at))
          await repository.insertNotification(n, tx);
        report.fired.push(alert.id);
      }
      for (const { alert, breach } of decision.ongoing) {
        await repository.refreshAlert(alert.id, { value: breach.value, last_seen_at: at }, tx);
      }
      for (const { id } of decision.resolve) {
        if (!(await repository.resolveAlert(id, at, tx))) continue;
        const alert = open.find((a) => a.id === id)!;
        for (const n of notificationsFor(rule, alert, 'resolved', at))
          await repository.insertNotification(n, tx);
        report.resolved.push(id);
      }
      report.cooling_down += decision.coolingDown.length;
    });
  }

  /** Sends what is pending (this evaluation's and any a stopped process left), each claimed first. */
  async function deliverPending(): Promise<void> {
    for (const n of await repository.pendingNotifications(PENDING_BATCH)) {
      if (!(await repository.claimNotification(n.id))) continue;
      const alert = await repository.findAlert(n.alert_id);
      if (!alert) continue;
      await notifier.deliver(n, toAlertView(alert), alert.rule_id);
    }
  }

  async function sample(now: Date): Promise<void> {
    const at = now.toISOString();
    const counters = await deps.pipelineCounters();
    await repository.recordMeasurements([
      { metric: METRIC_DROPPED, source: deps.source, measured_at: at, value: counters.dropped },
      { metric: METRIC_SPOOLED, source: deps.source, measured_at: at, value: counters.spooled },
    ]);
  }

  return {
    async evaluate(): Promise<EvaluationReport> {
      const report: EvaluationReport = {
        evaluated: false,
        fired: [],
        resolved: [],
        cooling_down: 0,
        failed_rules: [],
      };
      const now = clock.now();
      const at = now.toISOString();
      await sample(now);
      const interval = Math.floor(now.getTime() / deps.intervalMs);
      if (!(await repository.claimInterval(interval, at, deps.source))) return report;
      report.evaluated = true;
      // The database's size changes slowly and costs a catalogue walk: sampled once per ten minutes.
      const slot = (ms: number) => Math.floor(ms / SIZE_SAMPLE_MS);
      if (slot(now.getTime()) !== slot(now.getTime() - deps.intervalMs)) {
        const bytes = await reads.databaseBytes();
        await repository.recordMeasurements([
          { metric: METRIC_DATABASE_BYTES, source: 'database', measured_at: at, value: bytes },
        ]);
      }
      if (interval % PRUNE_EVERY === 0) {
        await repository.pruneMeasurements(new Date(now.getTime() - MEASUREMENT_KEEP_MS).toISOString());
        await repository.pruneEvaluations(interval - 1000);
      }
      const rules = await repository.enabledRules();
      const longestCooldown = Math.max(0, ...rules.map((r) => r.cooldown_minutes));
      const recent = await repository.rulesWithRecentAlerts(
        new Date(now.getTime() - longestCooldown * 60_000).toISOString(),
      );
      // Measured together (reads only; PostgreSQL answers them on several connections), applied in turn.
      const measured = await Promise.allSettled(rules.map((rule) => measureRule(rule, now)));
      for (const [i, rule] of rules.entries()) {
        try {
          const result = measured[i]!;
          if (result.status === 'rejected') throw result.reason;
          await applyRule(rule, result.value, now, recent, report);
        } catch (error) {
          // One rule that cannot be measured leaves its alerts as they are; the others still run.
          report.failed_rules.push(rule.id);
          logger.error({ err: error, rule_id: rule.id }, 'alert rule not evaluated');
        }
      }
      await deliverPending();
      return report;
    },
  };
}

export type AlertEvaluator = ReturnType<typeof createAlertEvaluator>;
