/** The logging settings of the contract (`GET/PUT /api/v1/settings/logging`), with their defaults. */
export interface LoggingSettings {
  log_dashboard_activities: boolean;
  log_api_calls: boolean;
  log_failed_api_calls: boolean;
  log_blocklisted_api_calls: boolean;
  /** In (0, 1]; applies to successful calls only. */
  api_call_sample_rate: number;
  /** Route patterns (`/api/v1/licenses/validate`) whose calls are not recorded. */
  excluded_endpoints: string[];
  retention_days: { activity: number; api_calls: number; failed_api_calls: number; blocked: number };
  /**
   * Per log, the age in days after which stored addresses are truncated (/24, /48) and user agents
   * reduced, in a way the hash chain still verifies (ADR 0009); null keeps them as recorded.
   */
  anonymize_after_days: {
    activity: number | null;
    api_calls: number | null;
    failed_api_calls: number | null;
    blocked: number | null;
  };
  /**
   * The document's high-security profile: reading, searching, exporting or analysing logs from the
   * portal needs a session that signed in with two factors (API keys are not affected).
   */
  require_mfa_for_log_access: boolean;
}

export const DEFAULT_LOGGING_SETTINGS: LoggingSettings = {
  log_dashboard_activities: true,
  log_api_calls: true,
  log_failed_api_calls: true,
  log_blocklisted_api_calls: true,
  api_call_sample_rate: 1,
  excluded_endpoints: [],
  retention_days: { activity: 365, api_calls: 90, failed_api_calls: 90, blocked: 90 },
  anonymize_after_days: { activity: null, api_calls: null, failed_api_calls: null, blocked: null },
  require_mfa_for_log_access: false,
};

/**
 * The settings every request consults, held in memory so reading them costs nothing on the request
 * path. The settings service loads them at start-up and replaces them after each change, so a change
 * applies to the next request.
 */
export function createLoggingSettingsHolder(initial: LoggingSettings = DEFAULT_LOGGING_SETTINGS) {
  let current = structuredClone(initial);
  return {
    current: (): Readonly<LoggingSettings> => current,
    replace(next: LoggingSettings): void {
      current = structuredClone(next);
    },
  };
}

export type LoggingSettingsHolder = ReturnType<typeof createLoggingSettingsHolder>;
