import type { ColumnType } from 'kysely';

/**
 * Table types. Timestamps are ISO 8601 UTC strings with milliseconds on both stores (PostgreSQL's
 * timestamptz is parsed to that form in database.ts); JSON columns are written as JSON text and read
 * back through `parseJson`, because SQLite returns text and PostgreSQL returns objects.
 */
type Json = ColumnType<unknown, string, string>;
type Timestamp = string;

export interface ProductTable {
  id: string;
  name: string;
  code: string | null;
  features: Json;
  metadata: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CustomerTable {
  id: string;
  name: string;
  email: string | null;
  metadata: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface CustomerNoteTable {
  id: string;
  customer_id: string;
  body: string;
  author: string;
  created_at: Timestamp;
}

export type LicenseStatus = 'active' | 'suspended' | 'expired' | 'revoked';

export interface LicenseTable {
  id: string;
  key: string;
  product_id: string;
  customer_id: string | null;
  status: LicenseStatus;
  status_reason: string | null;
  max_activations: number | null;
  expires_at: Timestamp | null;
  features: Json;
  metadata: Json;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ActivationTable {
  id: string;
  license_id: string;
  fingerprint: string;
  name: string | null;
  platform: string | null;
  hostname: string | null;
  ip: string | null;
  first_seen_at: Timestamp;
  last_seen_at: Timestamp;
}

export type Role = 'owner' | 'admin' | 'security' | 'support' | 'viewer';

export interface AdminTable {
  id: string;
  email: string;
  name: string | null;
  role: Role;
  password_hash: string;
  created_at: Timestamp;
  updated_at: Timestamp;
  last_login_at: Timestamp | null;
}

export interface SessionTable {
  id: string;
  token_hash: string;
  csrf_hash: string;
  admin_id: string;
  ip: string | null;
  user_agent: string | null;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: Timestamp | null;
}

export type ApiKeyScope = 'admin' | 'licenses';

export interface ApiKeyTable {
  id: string;
  name: string;
  scope: ApiKeyScope;
  role: Role | null;
  environment: 'live' | 'test';
  key_hash: string;
  masked: string;
  created_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  revoked_at: Timestamp | null;
  last_used_at: Timestamp | null;
}

export interface LoginFailureTable {
  id: string;
  email: string;
  ip: string;
  at: Timestamp;
}

export interface SettingsTable {
  id: string;
  value: Json;
  updated_at: Timestamp;
  updated_by: string | null;
}

export type ActivityActorType = 'admin' | 'api_key' | 'system';
export type ActivityChannel = 'portal' | 'api' | 'cli';
export type ActivityResult = 'pending' | 'success' | 'failure';

export interface ActivityLogTable {
  id: string;
  timestamp: Timestamp;
  admin_user: string;
  actor_type: ActivityActorType;
  actor_id: string | null;
  channel: ActivityChannel;
  action_type: string;
  resource_type: string;
  resource_id: string | null;
  resource: string | null;
  details: Json;
  result: ActivityResult;
  error_code: string | null;
  ip: string | null;
  session_id: string | null;
  user_agent: string | null;
  /** `ip` as 16 bytes (IPv4-mapped for IPv4), for address and CIDR filters; see migration 0006. */
  ip_bytes: Buffer | null;
}

/** Entry ids are ULIDs (`log_…`) whose time part is the entry's timestamp; see migration 0003. */
export interface ApiCallLogTable {
  /** The ULID of the `log_` id as 16 bytes (see idToBytes in src/logging/log-entry.ts). */
  id: Buffer;
  endpoint: string | null;
  path: string | null;
  /** METHOD_CODES index in src/logging/log-entry.ts. */
  method: number;
  status: number;
  response_time_us: number;
  ip: string | null;
  /** The address as 16 bytes, IPv4 mapped to IPv6 (src/logging/ip-filter.ts): CIDR filters are ranges. */
  ip_bytes: Buffer | null;
  api_key: string | null;
  api_key_id: string | null;
  request_size: number;
  response_size: number;
  user_agent: string | null;
  license_key: string | null;
  license_key_hash: Buffer | null;
  license_id: string | null;
  customer_id: string | null;
  product_id: string | null;
  /** 0 api, 1 portal, 2 cli. */
  channel: number;
  /** 0 incoming, 1 outgoing. */
  direction: number;
  error_code: string | null;
  error_message: string | null;
  stack_trace: string | null;
  /** JSON text `[{field, message}]`. */
  validation_errors: string | null;
  retry_count: number | null;
  request_body: string | null;
  request_body_truncated: number | null;
}

export interface BlockedLogTable {
  /** The ULID of the `log_` id as 16 bytes. */
  id: Buffer;
  block_reason: string;
  rule_id: string | null;
  ip: string | null;
  /** As in ApiCallLogTable. */
  ip_bytes: Buffer | null;
  method: number;
  path: string | null;
  api_key: string | null;
  user_agent: string | null;
  country_code: string | null;
  fingerprint: string | null;
  threat_score: number;
  matched_location: string | null;
}

export type SecurityRuleSource = 'manual' | 'automatic';

/** A rule of `/api/v1/security/rules`; `deleted_at` set means lifted (rows are kept for the history). */
export interface SecurityRuleTable {
  id: string;
  /** RULE_TYPES in src/security/security-types.ts. */
  type: string;
  /** Normalised: canonical address or CIDR, upper-case country, the user-agent text, an API key id. */
  value: string;
  reason: string | null;
  source: SecurityRuleSource;
  created_by: string | null;
  created_at: Timestamp;
  expires_at: Timestamp | null;
  deleted_at: Timestamp | null;
}

export interface SecurityAllowlistTable {
  id: string;
  /** A canonical address or CIDR range. */
  value: string;
  note: string | null;
  created_by: string | null;
  created_at: Timestamp;
  deleted_at: Timestamp | null;
}

export interface Database {
  products: ProductTable;
  customers: CustomerTable;
  customer_notes: CustomerNoteTable;
  licenses: LicenseTable;
  activations: ActivationTable;
  admins: AdminTable;
  sessions: SessionTable;
  api_keys: ApiKeyTable;
  login_failures: LoginFailureTable;
  settings: SettingsTable;
  activity_log: ActivityLogTable;
  api_call_log: ApiCallLogTable;
  blocked_log: BlockedLogTable;
  security_rules: SecurityRuleTable;
  security_allowlist: SecurityAllowlistTable;
}
