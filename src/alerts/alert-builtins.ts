import type { Condition } from './alert-conditions.js';

export const SEVERITIES = ['info', 'warning', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

export interface BuiltinRule {
  builtin: Exclude<Condition['type'], 'custom'>;
  name: string;
  description: string;
  severity: Severity;
  cooldown_minutes: number;
  condition: Condition;
}

const GIB = 1024 ** 3;

/**
 * The rules every installation starts with, after the product document's incident stories. Seeded
 * once (enabled), editable (thresholds, severity, cool-down, recipients) and disablable, never deleted.
 */
export const BUILTIN_RULES: readonly BuiltinRule[] = [
  {
    builtin: 'auth_failure_rate',
    name: 'Authentication failure rate',
    description:
      'Share of API calls answered with an authentication failure (invalid, expired or revoked API key, bad credentials, expired session, insufficient scope) over the window, once the window holds min_volume calls.',
    severity: 'critical',
    cooldown_minutes: 30,
    condition: { type: 'auth_failure_rate', window_minutes: 5, threshold: 0.1, min_volume: 100 },
  },
  {
    builtin: 'blocked_spike',
    name: 'Spike of blocked requests',
    description:
      'Blocked requests in the window against their usual rate over the baseline before it: fires at threshold times the baseline, and only from min_volume blocked requests.',
    severity: 'critical',
    cooldown_minutes: 30,
    condition: {
      type: 'blocked_spike',
      window_minutes: 5,
      baseline_minutes: 60,
      threshold: 5,
      min_volume: 100,
    },
  },
  {
    builtin: 'brute_force_ip',
    name: 'Brute force or key guessing from one address',
    description:
      'Failed authentications and unknown licence keys from one IP address in the window; one alert per address.',
    severity: 'critical',
    cooldown_minutes: 30,
    condition: { type: 'brute_force_ip', window_minutes: 10, threshold: 100 },
  },
  {
    builtin: 'sensitive_admin_action',
    name: 'Sensitive admin action',
    description:
      'A settings or security change, a new owner, a log prune or an alert rule deleted or disabled; or a bulk delete (threshold deletions by one actor in the window).',
    severity: 'warning',
    cooldown_minutes: 15,
    condition: { type: 'sensitive_admin_action', window_minutes: 5, threshold: 10 },
  },
  {
    builtin: 'endpoint_error_rate',
    name: 'Endpoint error rate',
    description:
      'Share of an endpoint’s calls answered with a server error (5xx) over the window, once it had min_volume calls; one alert per endpoint.',
    severity: 'warning',
    cooldown_minutes: 30,
    condition: { type: 'endpoint_error_rate', window_minutes: 5, threshold: 0.05, min_volume: 20 },
  },
  {
    builtin: 'log_pipeline',
    name: 'Log pipeline dropping or spooling',
    description:
      'Log entries dropped (spool full) or spooled to disk (store unavailable) in the window, summed over every server process.',
    severity: 'critical',
    cooldown_minutes: 30,
    condition: { type: 'log_pipeline', window_minutes: 5, threshold: 1 },
  },
  {
    builtin: 'storage_growth',
    name: 'Storage growth',
    description: 'Growth of the database’s size over the window, in bytes.',
    severity: 'warning',
    cooldown_minutes: 360,
    condition: { type: 'storage_growth', window_minutes: 1440, threshold: GIB },
  },
];
