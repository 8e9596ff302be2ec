import os from 'node:os';
import { Gauge, type Registry } from 'prom-client';
import { AppError, notFound } from '../http/errors.js';
import type { Audited } from '../logging/activity.service.js';
import { toPage, type Page } from '../http/pagination.js';
import { createWindowCounts } from '../logging/analytics/window-counts.js';
import type { RollupRepository } from '../logging/analytics/rollup.repository.js';
import { createRequestLogRepository } from '../logging/request-log.repository.js';
import { createMailer, type Mailer } from '../notifications/mailer.js';
import type { CoreDeps } from '../shared/deps.js';
import { createAlertEvaluator, toAlertView } from './alert-evaluator.js';
import { createAlertMeasure } from './alert-measure.js';
import { createAlertNotifier, type NotifierOptions } from './alert-notifier.js';
import { createAlertReads } from './alert-reads.js';
import { createAlertRulesService } from './alert-rules.service.js';
import { createAlertJob } from './alert.job.js';
import { createAlertRepository, type AlertFilters } from './alert.repository.js';
import type { AlertDetail, AlertView } from './alert.schemas.js';

export interface AlertsDeps {
  registry: Registry;
  rollups: RollupRepository;
  /** Tests pass a mailer of their own; the server builds one from `KM_SMTP_URL`. */
  mailer?: Mailer;
  /** An admin's edited `alert` email template (NotifierOptions.editedTemplate). */
  editedTemplate?: NotifierOptions['editedTemplate'];
}

/** Sum of a pipeline counter over its `log` labels, as this process counted it. */
async function counterTotal(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) return 0;
  const { values } = await metric.get();
  return values.reduce((sum, v) => sum + v.value, 0);
}

/** Alert rules, their evaluation job, fired alerts and their notifications (ADR 0013). */
export function createAlerts(core: CoreDeps, deps: AlertsDeps) {
  const { db, clock, ids, logger, config } = core;
  const repository = createAlertRepository(db);
  const reads = createAlertReads(db, core.database.dialect);
  const counts = createWindowCounts(createRequestLogRepository(db), deps.rollups);
  const mailer = deps.mailer ?? createMailer(config.smtp);
  const notifier = createAlertNotifier({
    repository,
    mailer,
    clock,
    logger,
    sleep: core.sleep,
    ...(deps.editedTemplate && { editedTemplate: deps.editedTemplate }),
  });
  const intervalMs = config.alerts.evalSeconds * 1000;
  const evaluator = createAlertEvaluator({
    db,
    clock,
    ids,
    logger,
    repository,
    reads,
    measure: createAlertMeasure({ db, counts, reads, repository }),
    notifier,
    intervalMs,
    source: `${os.hostname()}/${process.pid}/${ids.next('ntf').slice(-8)}`,
    pipelineCounters: async () => ({
      dropped: await counterTotal(deps.registry, 'keymanager_log_entries_dropped_total'),
      spooled: await counterTotal(deps.registry, 'keymanager_log_entries_spooled_total'),
    }),
  });
  const job = createAlertJob(evaluator, clock, logger, intervalMs);
  const rules = createAlertRulesService(core, repository);

  new Gauge({
    name: 'keymanager_alerts_firing',
    help: 'Alerts firing now, by rule and severity (read from the database, so every process agrees).',
    labelNames: ['rule_id', 'rule', 'severity'] as const,
    registers: [deps.registry],
    async collect() {
      this.reset();
      try {
        for (const row of await repository.firingCounts()) {
          this.set({ rule_id: row.rule_id, rule: row.rule_name, severity: row.severity }, row.count);
        }
      } catch (error) {
        logger.warn({ err: error }, 'firing alerts not counted for /metrics');
      }
    },
  });

  return {
    rules,
    job,
    evaluator,
    repository,
    async list(filters: AlertFilters, limit: number, beforeId?: string): Promise<Page<AlertView>> {
      return toPage((await repository.listAlerts(filters, limit + 1, beforeId)).map(toAlertView), limit);
    },
    async get(id: string) {
      const alert = await repository.findAlert(id);
      if (!alert) throw notFound('Alert');
      const notifications = await repository.notificationsOf(id);
      return { ...toAlertView(alert), notifications: notifications as AlertDetail['notifications'] };
    },
    /** Records who is on it, with its activity entry; a second acknowledgement is a conflict. */
    async acknowledge(id: string, audit: Audited, by: string): Promise<AlertView> {
      return audit(async (tx, entry) => {
        const alert = await repository.findAlert(id, tx);
        if (!alert) throw notFound('Alert');
        entry.note({
          resource_id: id,
          resource: `Alert ${id} (${alert.rule_name}${alert.group_key ? `, ${alert.group_key}` : ''})`,
          details: { rule_id: alert.rule_id, state: alert.state, started_at: alert.started_at },
        });
        if (!(await repository.acknowledge(id, clock.now().toISOString(), by, tx))) {
          throw new AppError(
            'ERR_CONFLICT',
            `The alert was acknowledged already by ${alert.acknowledged_by}.`,
          );
        }
        return toAlertView((await repository.findAlert(id, tx))!);
      });
    },
    close(): void {
      mailer.close();
    },
  };
}

export type Alerts = ReturnType<typeof createAlerts>;
