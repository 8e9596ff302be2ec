import type { LoggingSettings, LogName } from '../../api/types.js';

export type ToggleField =
  'log_dashboard_activities' | 'log_api_calls' | 'log_failed_api_calls' | 'log_blocklisted_api_calls';

/** The four toggles in the product document's words. */
export const TOGGLES: {
  field: ToggleField;
  title: string;
  description: string;
  on: string;
  off: string;
  offWarning?: string;
}[] = [
  {
    field: 'log_dashboard_activities',
    title: 'Log Dashboard Activities',
    description:
      'Enables or disables logging of all administrative actions performed through the Admin Portal web interface.',
    on: 'Every action taken by administrators in the web UI is recorded with timestamp, user, and details.',
    off: 'Dashboard activities are not logged; only direct API calls (if enabled) are tracked.',
    offWarning:
      'Disabling dashboard logging removes your audit trail and makes incident investigation nearly impossible. This is strongly discouraged for production environments.',
  },
  {
    field: 'log_api_calls',
    title: 'Log API Calls',
    description:
      'Enables or disables logging of all successful API requests made to your KeyManager instance.',
    on: 'Every successful API call is recorded with full request and response metadata.',
    off: 'Only failed API calls (if enabled separately) are logged; successful calls are not tracked.',
  },
  {
    field: 'log_failed_api_calls',
    title: 'Log Failed API Calls',
    description:
      'Enables or disables logging of unsuccessful API requests - calls that return error status codes (4xx, 5xx) or encounter exceptions.',
    on: 'Every failed API call is recorded with error details and context for debugging.',
    off: 'Failed calls are not logged separately (may still appear in general API logs if enabled).',
  },
  {
    field: 'log_blocklisted_api_calls',
    title: 'Log Blocklisted API Calls',
    description:
      'Enables or disables logging of API requests that are blocked or rejected by security policies before processing.',
    on: 'All blocked requests are logged with reasons and context.',
    off: 'Blocklisted calls are silently rejected without logging (not recommended).',
  },
];

export const LOGS: { name: LogName; label: string }[] = [
  { name: 'activity', label: 'Dashboard activities' },
  { name: 'api_calls', label: 'API calls' },
  { name: 'failed_api_calls', label: 'Failed API calls' },
  { name: 'blocked', label: 'Blocked requests' },
];

/** What the form edits: numbers as typed text, so a half-typed value is not turned into 0. */
export interface LoggingForm {
  toggles: Record<ToggleField, boolean>;
  sampleRate: string;
  excludedEndpoints: string;
  retention: Record<LogName, string>;
  anonymize: Record<LogName, string>;
  requireMfaForLogAccess: boolean;
}

export function toForm(settings: LoggingSettings): LoggingForm {
  const map = <T>(f: (name: LogName) => T) =>
    Object.fromEntries(LOGS.map(({ name }) => [name, f(name)])) as Record<LogName, T>;
  return {
    toggles: {
      log_dashboard_activities: settings.log_dashboard_activities,
      log_api_calls: settings.log_api_calls,
      log_failed_api_calls: settings.log_failed_api_calls,
      log_blocklisted_api_calls: settings.log_blocklisted_api_calls,
    },
    sampleRate: String(settings.api_call_sample_rate),
    excludedEndpoints: settings.excluded_endpoints.join('\n'),
    retention: map((name) => String(settings.retention_days[name])),
    anonymize: map((name) => {
      const days = settings.anonymize_after_days[name];
      return days === null ? '' : String(days);
    }),
    requireMfaForLogAccess: settings.require_mfa_for_log_access,
  };
}

function numberOrText(text: string): number | string {
  const trimmed = text.trim();
  return trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : trimmed;
}

/**
 * The PUT body: only what differs from the saved document, so two admins editing different settings
 * do not undo each other. Values the server must judge (a bad number) are sent as typed, and its 422
 * names the field.
 */
export function changes(saved: LoggingSettings, form: LoggingForm): Record<string, unknown> {
  const patch: Record<string, unknown> = {};
  for (const { field } of TOGGLES)
    if (form.toggles[field] !== saved[field]) patch[field] = form.toggles[field];
  const rate = numberOrText(form.sampleRate);
  if (rate !== saved.api_call_sample_rate) patch.api_call_sample_rate = rate;
  const endpoints = form.excludedEndpoints
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
  if (endpoints.join('\n') !== saved.excluded_endpoints.join('\n')) patch.excluded_endpoints = endpoints;
  const retention: Record<string, unknown> = {};
  const anonymize: Record<string, unknown> = {};
  for (const { name } of LOGS) {
    const days = numberOrText(form.retention[name]);
    if (days !== saved.retention_days[name]) retention[name] = days;
    const text = form.anonymize[name].trim();
    const after = text === '' ? null : numberOrText(text);
    if (after !== saved.anonymize_after_days[name]) anonymize[name] = after;
  }
  if (form.requireMfaForLogAccess !== saved.require_mfa_for_log_access)
    patch.require_mfa_for_log_access = form.requireMfaForLogAccess;
  if (Object.keys(retention).length) patch.retention_days = retention;
  if (Object.keys(anonymize).length) patch.anonymize_after_days = anonymize;
  return patch;
}
