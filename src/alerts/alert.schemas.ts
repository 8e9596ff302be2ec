import { Type, type Static } from '@sinclair/typebox';
import { pageOf } from '../http/pagination.js';
import { CONDITION_TYPES } from './alert-conditions.js';
import { SEVERITIES } from './alert-builtins.js';

const OneOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description && { description }) });

const Severity = OneOf(SEVERITIES);

/**
 * The condition is checked field by field by the service (alert-conditions.ts), so each wrong field is
 * named in the 422; here it is described for the API reference.
 */
const ConditionSchema = Type.Object(
  { type: OneOf(CONDITION_TYPES) },
  {
    additionalProperties: true,
    description:
      'Every kind has `window_minutes` (1–1440) and `threshold`; it fires when the measured value reaches the threshold. ' +
      '`auth_failure_rate` {threshold: fraction, min_volume}; `blocked_spike` {baseline_minutes, threshold: times the usual rate, min_volume: floor}; ' +
      '`brute_force_ip` {threshold: failures from one address}; `sensitive_admin_action` {threshold: deletions by one actor that make a bulk delete}; ' +
      '`endpoint_error_rate` {threshold: fraction of 5xx, min_volume}; `log_pipeline` {threshold: entries dropped or spooled}; `storage_growth` {threshold: bytes}; ' +
      '`custom` {log: api-calls|failed-api-calls|blocked, filters: {endpoint, method, status, status_class, error_code, block_reason}, metric: count|rate, threshold, min_volume, group_by: ip|endpoint|null}.',
  },
);

const Emails = Type.Array(Type.String({ format: 'email', maxLength: 254 }), {
  maxItems: 20,
  uniqueItems: true,
  description: 'Who receives the alert emails.',
});
const WebhookUrl = Type.Union(
  [Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 }), Type.Null()],
  {
    description: 'Where signed alert notifications are POSTed (JSON); null for none.',
  },
);
const WebhookSecret = Type.String({
  minLength: 16,
  maxLength: 200,
  description: 'The HMAC-SHA256 key webhook notifications are signed with; write-only, never returned.',
});

export const AlertRuleSchema = Type.Object({
  id: Type.String(),
  builtin: Type.Union([Type.String(), Type.Null()], {
    description: 'The built-in rule this is; null for a rule made here.',
  }),
  name: Type.String(),
  description: Type.Union([Type.String(), Type.Null()]),
  severity: Severity,
  enabled: Type.Boolean(),
  condition: Type.Object({ type: Type.String() }, { additionalProperties: true }),
  cooldown_minutes: Type.Integer(),
  notify: Type.Object({
    emails: Type.Array(Type.String()),
    webhook_url: Type.Union([Type.String(), Type.Null()]),
    webhook_secret_set: Type.Boolean(),
  }),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type AlertRule = Static<typeof AlertRuleSchema>;
export const AlertRulePage = pageOf(AlertRuleSchema);

const Cooldown = Type.Integer({
  minimum: 0,
  maximum: 10080,
  description: 'Minutes a rule and group stays quiet after firing.',
});
const Notify = Type.Object(
  {
    emails: Type.Optional(Emails),
    webhook_url: Type.Optional(WebhookUrl),
    webhook_secret: Type.Optional(WebhookSecret),
  },
  { additionalProperties: false },
);

export const CreateAlertRuleBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 120 }),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    severity: Severity,
    enabled: Type.Optional(Type.Boolean({ default: true })),
    condition: ConditionSchema,
    cooldown_minutes: Type.Optional(Cooldown),
    notify: Type.Optional(Notify),
  },
  { additionalProperties: false },
);
export type CreateAlertRuleBody = Static<typeof CreateAlertRuleBody>;

export const UpdateAlertRuleBody = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 120 })),
    description: Type.Optional(Type.Union([Type.String({ maxLength: 1000 }), Type.Null()])),
    severity: Type.Optional(Severity),
    enabled: Type.Optional(Type.Boolean()),
    condition: Type.Optional(
      Type.Object(
        {},
        {
          additionalProperties: true,
          description: 'Fields to change in the condition; its `type` cannot change.',
        },
      ),
    ),
    cooldown_minutes: Type.Optional(Cooldown),
    notify: Type.Optional(Notify),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateAlertRuleBody = Static<typeof UpdateAlertRuleBody>;

export const NotificationSchema = Type.Object({
  id: Type.String(),
  event: OneOf(['fired', 'resolved'] as const),
  channel: OneOf(['email', 'webhook'] as const),
  target: Type.String({ description: 'The recipients, or the webhook URL.' }),
  status: OneOf(
    ['pending', 'sending', 'sent', 'failed', 'not_sent'] as const,
    '`not_sent`: no SMTP server is configured (email) or no signing key (webhook).',
  ),
  attempts: Type.Integer(),
  response_status: Type.Union([Type.Integer(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  created_at: Type.String(),
  completed_at: Type.Union([Type.String(), Type.Null()]),
});

export const AlertViewSchema = Type.Object({
  id: Type.String(),
  rule_id: Type.String(),
  rule_name: Type.String(),
  group: Type.Union([Type.String(), Type.Null()], {
    description: 'The address or endpoint a grouped rule fired for.',
  }),
  severity: Severity,
  state: OneOf(['firing', 'resolved'] as const),
  started_at: Type.String(),
  resolved_at: Type.Union([Type.String(), Type.Null()]),
  last_seen_at: Type.String({ description: 'The last evaluation that found the condition holding.' }),
  value: Type.Number({ description: 'The measured value when it fired (refreshed while firing).' }),
  threshold: Type.Number(),
  summary: Type.String(),
  details: Type.Record(Type.String(), Type.Unknown()),
  acknowledged_at: Type.Union([Type.String(), Type.Null()]),
  acknowledged_by: Type.Union([Type.String(), Type.Null()]),
});
export type AlertView = Static<typeof AlertViewSchema>;
export const AlertPage = pageOf(AlertViewSchema);
export const AlertDetailSchema = Type.Intersect([
  AlertViewSchema,
  Type.Object({ notifications: Type.Array(NotificationSchema) }),
]);

export type AlertDetail = Static<typeof AlertDetailSchema>;

export const AlertListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    state: Type.Optional(OneOf(['firing', 'resolved'] as const)),
    severity: Type.Optional(Severity),
    rule_id: Type.Optional(Type.String({ pattern: '^alrule_[0-9a-z]{26}$' })),
    from: Type.Optional(
      Type.String({ format: 'date-time', description: 'Started at or after (inclusive).' }),
    ),
    to: Type.Optional(Type.String({ format: 'date-time', description: 'Started before (exclusive).' })),
  },
  { additionalProperties: false },
);
export type AlertListQuery = Static<typeof AlertListQuery>;

export const RuleIdParams = Type.Object({ id: Type.String({ pattern: '^alrule_[0-9a-z]{26}$' }) });
export const AlertIdParams = Type.Object({ id: Type.String({ pattern: '^alert_[0-9a-z]{26}$' }) });
