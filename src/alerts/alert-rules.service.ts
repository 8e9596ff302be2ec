import { isUniqueViolation } from '../db/database.js';
import { AppError, notFound, validationError, type FieldError } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { fieldChanges } from '../logging/activity-diff.js';
import type { Audited } from '../logging/activity.service.js';
import type { CoreDeps } from '../shared/deps.js';
import { BUILTIN_RULES, type Severity } from './alert-builtins.js';
import { checkCondition } from './alert-conditions.js';
import type { AlertRule, CreateAlertRuleBody, UpdateAlertRuleBody } from './alert.schemas.js';
import type { AlertRepository, RuleInsert, RulePatch, RuleRecord } from './alert.repository.js';

const DEFAULT_COOLDOWN_MINUTES = 30;

export function toRuleView(rule: RuleRecord): AlertRule {
  return {
    id: rule.id,
    builtin: rule.builtin,
    name: rule.name,
    description: rule.description,
    severity: rule.severity as Severity,
    enabled: rule.enabled,
    condition: rule.condition as AlertRule['condition'],
    cooldown_minutes: rule.cooldown_minutes,
    notify: {
      emails: rule.notify_emails,
      webhook_url: rule.webhook_url,
      webhook_secret_set: rule.webhook_secret_set,
    },
    created_by: rule.created_by,
    created_at: rule.created_at,
    updated_at: rule.updated_at,
  };
}

const label = (rule: { id: string; name: string }) => `Alert rule ${rule.id} (${rule.name})`;

/** What the activity log keeps of a rule: everything shown, the secret only as whether one is set. */
const audited = (view: AlertRule) => ({
  name: view.name,
  severity: view.severity,
  enabled: view.enabled,
  condition: view.condition,
  cooldown_minutes: view.cooldown_minutes,
  emails: view.notify.emails,
  webhook_url: view.notify.webhook_url,
  has_webhook_key: view.notify.webhook_secret_set,
});

/** A webhook needs a signing key (given with it, or kept from before) and no credentials in its URL. */
function checkWebhook(url: string | null, secretAfter: boolean): FieldError[] {
  if (!url) return [];
  const errors: FieldError[] = [];
  const parsed = URL.canParse(url) ? new URL(url) : null;
  // Shown in answers and notification records: a password in the URL would leak there.
  if (parsed && (parsed.username || parsed.password))
    errors.push({ field: 'notify.webhook_url', message: 'must not carry credentials; use webhook_secret' });
  if (!secretAfter)
    errors.push({ field: 'notify.webhook_secret', message: 'is required with a webhook_url' });
  return errors;
}

/**
 * Alert rules: the built-ins (seeded, editable, never deleted) and the admins' own. Every change is
 * committed with its activity entry; disabling or deleting a rule resolves its firing alerts.
 */
export function createAlertRulesService(
  core: Pick<CoreDeps, 'clock' | 'ids' | 'db'>,
  repository: AlertRepository,
) {
  const { clock, ids } = core;

  async function get(id: string): Promise<RuleRecord> {
    const rule = await repository.findRule(id);
    if (!rule) throw notFound('Alert rule');
    return rule;
  }

  return {
    /** Adds the built-in rules this database does not have yet; a second process seeding at once loses quietly. */
    async seedBuiltins(): Promise<void> {
      const present = new Set(await repository.builtinKeys());
      for (const builtin of BUILTIN_RULES) {
        if (present.has(builtin.builtin)) continue;
        const at = clock.now().toISOString();
        try {
          await repository.insertRule({
            id: ids.next('alrule'),
            builtin: builtin.builtin,
            name: builtin.name,
            description: builtin.description,
            severity: builtin.severity,
            enabled: 1,
            condition: builtin.condition,
            cooldown_minutes: builtin.cooldown_minutes,
            notify_emails: [],
            webhook_url: null,
            webhook_secret: null,
            created_by: null,
            created_at: at,
            updated_at: at,
          });
        } catch (error) {
          if (!isUniqueViolation(error)) throw error;
        }
      }
    },

    async list(limit: number, afterId?: string): Promise<Page<AlertRule>> {
      return toPage((await repository.listRules(limit + 1, afterId)).map(toRuleView), limit);
    },

    async get(id: string): Promise<AlertRule> {
      return toRuleView(await get(id));
    },

    async create(input: CreateAlertRuleBody, audit: Audited, by: string | null): Promise<AlertRule> {
      return audit(async (tx, entry) => {
        const checked = checkCondition(input.condition);
        const errors = [
          ...(checked.ok ? [] : checked.errors),
          ...checkWebhook(input.notify?.webhook_url ?? null, input.notify?.webhook_secret !== undefined),
        ];
        if (errors.length > 0 || !checked.ok) throw validationError(errors);
        const at = clock.now().toISOString();
        const row: RuleInsert = {
          id: ids.next('alrule'),
          builtin: null,
          name: input.name.trim(),
          description: input.description?.trim() || null,
          severity: input.severity,
          enabled: input.enabled === false ? 0 : 1,
          condition: checked.condition,
          cooldown_minutes: input.cooldown_minutes ?? DEFAULT_COOLDOWN_MINUTES,
          notify_emails: input.notify?.emails ?? [],
          webhook_url: input.notify?.webhook_url ?? null,
          webhook_secret: input.notify?.webhook_url ? (input.notify.webhook_secret ?? null) : null,
          created_by: by,
          created_at: at,
          updated_at: at,
        };
        await repository.insertRule(row, tx);
        const view = toRuleView((await repository.findRule(row.id, tx))!);
        entry.note({ resource_id: row.id, resource: label(row), details: audited(view) });
        return view;
      });
    },

    async update(id: string, patch: UpdateAlertRuleBody, audit: Audited): Promise<AlertRule> {
      return audit(async (tx, entry) => {
        const before = await repository.findRule(id, tx);
        if (!before) throw notFound('Alert rule');
        const errors: FieldError[] = [];
        const changes: RulePatch = {};
        if (patch.condition !== undefined) {
          const previous = before.condition as { type: string };
          const given = patch.condition as Record<string, unknown>;
          if (given.type !== undefined && given.type !== previous.type) {
            errors.push({ field: 'condition.type', message: 'cannot change; create another rule instead' });
          } else {
            const checked = checkCondition({ ...previous, ...given });
            if (checked.ok) changes.condition = checked.condition;
            else errors.push(...checked.errors);
          }
        }
        const notify = patch.notify;
        const url = notify?.webhook_url !== undefined ? notify.webhook_url : before.webhook_url;
        const secretAfter =
          notify?.webhook_secret !== undefined || (before.webhook_secret_set && notify?.webhook_url !== null);
        errors.push(...checkWebhook(url, secretAfter));
        if (errors.length > 0) throw validationError(errors);
        if (patch.name !== undefined) changes.name = patch.name.trim();
        if (patch.description !== undefined) changes.description = patch.description?.trim() || null;
        if (patch.severity !== undefined) changes.severity = patch.severity;
        if (patch.enabled !== undefined) changes.enabled = patch.enabled ? 1 : 0;
        if (patch.cooldown_minutes !== undefined) changes.cooldown_minutes = patch.cooldown_minutes;
        if (notify?.emails !== undefined) changes.notify_emails = notify.emails;
        if (notify?.webhook_url !== undefined) changes.webhook_url = notify.webhook_url;
        if (notify?.webhook_url === null) changes.webhook_secret = null;
        else if (notify?.webhook_secret !== undefined) changes.webhook_secret = notify.webhook_secret;
        const at = clock.now().toISOString();
        await repository.updateRule(id, { ...changes, updated_at: at }, tx);
        if (patch.enabled === false && before.enabled) await repository.resolveAllOf(id, at, tx);
        const after = (await repository.findRule(id, tx))!;
        const [b, a] = [audited(toRuleView(before)), audited(toRuleView(after))];
        entry.note({
          resource_id: id,
          resource: label(after),
          details: {
            changes: fieldChanges(b, a),
            ...(notify?.webhook_secret !== undefined && { webhook_key_replaced: true }),
          },
        });
        return toRuleView(after);
      });
    },

    async delete(id: string, audit: Audited): Promise<void> {
      await audit(async (tx, entry) => {
        const rule = await repository.findRule(id, tx);
        if (!rule) throw notFound('Alert rule');
        if (rule.builtin) {
          throw new AppError(
            'ERR_ALERT_RULE_BUILTIN',
            'A built-in alert rule cannot be deleted; disable it instead.',
          );
        }
        const at = clock.now().toISOString();
        entry.note({
          resource_id: id,
          resource: label(rule),
          details: { deleted: audited(toRuleView(rule)) },
        });
        await repository.resolveAllOf(id, at, tx);
        if (!(await repository.deleteRule(id, at, tx))) throw notFound('Alert rule');
      });
    },
  };
}

export type AlertRulesService = ReturnType<typeof createAlertRulesService>;
