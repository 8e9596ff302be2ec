/** Shapes of the public API's answers (README, docs/contract), as the portal reads them. */
export { ACTIVITY_ACTIONS, type ActivityAction } from './activity-actions.js';

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export interface Me {
  type: 'admin' | 'api_key';
  id: string;
  email: string | null;
  name: string | null;
  role: string | null;
  permissions: string[];
  session: string | null;
  mfa_enabled: boolean;
  mfa_passed: boolean;
  /** The sign-in step still owed; null once signed in. */
  mfa_step: MfaStep;
}

export interface LoginAnswer {
  admin: { id: string; email: string; name: string | null; role: string };
  csrf_token: string;
  mfa_step: MfaStep;
}

export type LogName = 'activity' | 'api_calls' | 'failed_api_calls' | 'blocked';

export interface LoggingSettings {
  log_dashboard_activities: boolean;
  log_api_calls: boolean;
  log_failed_api_calls: boolean;
  log_blocklisted_api_calls: boolean;
  api_call_sample_rate: number;
  excluded_endpoints: string[];
  retention_days: Record<LogName, number>;
  anonymize_after_days: Record<LogName, number | null>;
  /** The high-security profile: reading logs in the portal needs a two-factor sign-in. */
  require_mfa_for_log_access: boolean;
}

export type MfaStep = 'verify' | 'enrol' | null;

export interface MfaStatus {
  enabled: boolean;
  recovery_codes_left: number;
  required_for_every_admin: boolean;
}

export interface MfaEnrolment {
  secret: string;
  otpauth_url: string;
  qr_code: string;
}

export interface AccessSettings {
  require_mfa_for_admins: boolean;
}

export interface ActivityEntry {
  id: string;
  timestamp: string;
  admin_user: string;
  actor_type: string;
  channel: string;
  action_type: string;
  resource_type: string;
  resource_id: string | null;
  resource: string | null;
  details: Record<string, unknown>;
  result: string;
  error_code: string | null;
  ip: string | null;
  session_id: string | null;
  user_agent: string | null;
  actor_id: string | null;
}

export interface ApiCallEntry {
  id: string;
  timestamp: string;
  endpoint: string | null;
  path: string;
  method: string;
  status: number;
  response_time_ms: number;
  ip: string | null;
  api_key: string | null;
  api_key_id: string | null;
  request_size: number;
  response_size: number;
  user_agent: string | null;
  license_key: string | null;
  license_id: string | null;
  customer_id: string | null;
  product_id: string | null;
  channel: string;
  direction: string;
}

export interface FailedApiCallEntry extends ApiCallEntry {
  error_code: string | null;
  error_message: string | null;
  stack_trace: string | null;
  validation_errors: { field: string; message: string }[] | null;
  retry_count: number | null;
  request_body: string | null;
  request_body_truncated: boolean | null;
}

export const BLOCK_REASONS = [
  'IP_BLOCKLISTED',
  'GEO_BLOCKED',
  'API_KEY_REVOKED',
  'RATE_LIMIT_EXCEEDED',
  'ABUSE_PATTERN_DETECTED',
  'MALFORMED_REQUEST',
  'USER_AGENT_BLOCKED',
  'SQL_INJECTION_ATTEMPT',
] as const;

export interface BlockedEntry {
  id: string;
  timestamp: string;
  block_reason: string;
  rule_id: string | null;
  ip: string | null;
  method: string;
  path: string | null;
  api_key: string | null;
  user_agent: string | null;
  country_code: string | null;
  fingerprint: string | null;
  threat_score: number;
  matched_location: string | null;
}

export interface Timeseries {
  from: string;
  to: string;
  bucket: string;
  data: { start: string; count: number }[];
}

/** Calls and response-time percentiles per bucket; null percentiles in a bucket without calls. */
export interface LatencySeries {
  from: string;
  to: string;
  bucket: string;
  data: {
    start: string;
    calls: number;
    p50_ms: number | null;
    p95_ms: number | null;
    p99_ms: number | null;
  }[];
}

export interface TopValues {
  from: string;
  to: string;
  by: string;
  approximate: boolean;
  max_error: number;
  data: { value: string; count: number }[];
}

export interface EndpointStats {
  from: string;
  to: string;
  data: {
    endpoint: string | null;
    calls: number;
    failures: number;
    success_rate: number | null;
    p50_ms: number | null;
    p95_ms: number | null;
    p99_ms: number | null;
  }[];
}

export interface Summary {
  from: string;
  to: string;
  total: number;
  failures: number;
  success_rate: number | null;
  unique_ips: number;
  unique_ips_approximate: boolean;
}

export type RuleType = 'ip' | 'country' | 'user_agent' | 'api_key' | 'fingerprint';

export interface SecurityRule {
  id: string;
  type: RuleType;
  value: string;
  reason: string | null;
  source: 'manual' | 'automatic';
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
  active: boolean;
}

export interface AllowlistEntry {
  id: string;
  value: string;
  note: string | null;
  created_by: string | null;
  created_at: string;
}

export interface RateLimit {
  limit: number;
  window_seconds: number;
}
export interface RateLimits {
  per_ip: RateLimit;
  per_api_key: RateLimit;
  per_license_key: RateLimit;
}

export interface Product {
  id: string;
  name: string;
  code: string | null;
  features: string[];
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface Customer {
  id: string;
  name: string;
  email: string | null;
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface CustomerNote {
  id: string;
  customer_id: string;
  body: string;
  author: string;
  created_at: string;
}

export type LicenseStatus = 'active' | 'suspended' | 'expired' | 'revoked';

export interface License {
  id: string;
  key: string;
  product_id: string;
  customer_id: string | null;
  status: LicenseStatus;
  status_reason: string | null;
  max_activations: number | null;
  activations_used: number;
  expires_at: string | null;
  features: string[];
  metadata: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface Activation {
  id: string;
  license_id: string;
  fingerprint: string;
  name: string | null;
  platform: string | null;
  hostname: string | null;
  ip: string | null;
  first_seen_at: string;
  last_seen_at: string;
}

export const ROLES = ['owner', 'admin', 'security', 'support', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

export interface Admin {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  created_at: string;
  updated_at: string;
  last_login_at: string | null;
  mfa_enabled?: boolean;
}

export interface ApiKey {
  id: string;
  name: string;
  scope: 'admin' | 'licenses';
  role: Role | null;
  environment: 'live' | 'test';
  masked: string;
  created_by: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}
