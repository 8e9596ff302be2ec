import type { ColumnType, Generated } from 'kysely';

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
  /** How far the sign-in went (migration 0016); `off` for an admin without an authenticator. */
  mfa_state: SessionMfaState;
}

export type SessionMfaState = 'off' | 'verify' | 'enrol' | 'passed';

export interface AdminMfaTable {
  admin_id: string;
  /** AES-256-GCM under the data directory's MFA key: iv, tag and ciphertext, base64url, dot-separated. */
  secret_encrypted: string;
  state: 'pending' | 'active';
  /** The TOTP time step of the last accepted code: no code of that step or earlier is accepted again. */
  last_used_step: number | null;
  created_at: Timestamp;
  confirmed_at: Timestamp | null;
}

export interface AdminRecoveryCodeTable {
  id: string;
  admin_id: string;
  code_hash: string;
  created_at: Timestamp;
  used_at: Timestamp | null;
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

/**
 * An entry's place in its log's hash chain (ADR 0009, migration 0010); all null while it is not chained.
 * Optional, so rows built before chaining (the journal's, the activity service's) need not carry them.
 */
export interface ChainColumns {
  /** Position in the log's chain, from 1. */
  chain_seq?: number | null;
  /** The chain's head after this entry: 32 bytes. */
  chain_hash?: Buffer | null;
  /** Set by the privacy job when it redacts the entry: the commitment its canonical form holds. */
  private_commitment?: Buffer | null;
}

export interface ActivityLogTable extends ChainColumns {
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
  /** `ip` as 16 bytes (IPv4-mapped for IPv4), for address and CIDR filters; see migration 0005. */
  ip_bytes: Buffer | null;
}

/**
 * Entry ids are ULIDs (`log_…`) whose time part is the entry's timestamp; see migrations 0003 and 0006.
 * Stored forms are encoded and decoded in src/logging/request-log.codec.ts.
 */
export interface ApiCallLogTable extends ChainColumns {
  /** The ULID of the `log_` id as 16 bytes (idToBytes). */
  id: Buffer;
  /** Code of the route pattern in `log_endpoints`. */
  endpoint_id: number | null;
  path: string | null;
  /** METHOD_CODES index in src/logging/log-entry.ts. */
  method: number;
  status: number;
  response_time_us: number;
  /** 4 or 16 bytes, or tagged text (storedIp). */
  ip: Buffer | null;
  api_key: string | null;
  /** Ids of other records as their ULID's 16 bytes, the prefix implied by the column (storedReference). */
  api_key_id: Buffer | null;
  request_size: number;
  response_size: number;
  /** Code of the user agent in `log_user_agents`. */
  user_agent_id: number | null;
  /** The masked key's last four characters, or `~` + the whole mask (storedLicenseKeyMask). */
  license_key: string | null;
  license_key_hash: Buffer | null;
  license_id: Buffer | null;
  customer_id: Buffer | null;
  product_id: Buffer | null;
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

/** A dictionary of the request logs: `log_endpoints` (route patterns), `log_user_agents`. */
export interface LogDictionaryTable {
  id: Generated<number>;
  /** dictionaryHash of the value: unique, of fixed size. */
  hash: Buffer;
  value: string;
}

export interface BlockedLogTable extends ChainColumns {
  /** The ULID of the `log_` id as 16 bytes. */
  id: Buffer;
  block_reason: string;
  rule_id: string | null;
  ip: string | null;
  /** `ip` in the stored form of ApiCallLogTable's (storedIp), for the address filters (migration 0007). */
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

/** How far a log has been folded into its rollups (see src/logging/analytics/rollup.job.ts). */
export interface LogRollupStateTable {
  /** `api_calls` or `blocked`. */
  log: string;
  /** The id (16 bytes) of the last entry folded. */
  last_id: Buffer;
  /** The start (minutes since the epoch) of the last hour whose top values are summarised. */
  summarised_hour: number;
}

/** A ten-minute bucket (minutes since the epoch) that received entries the fold had already passed. */
export interface LogRollupLateTable {
  log: string;
  bucket: number;
  /** Bumped by each batch that marks the bucket. */
  marks: number;
}

/** Rollup buckets: `span` minutes long (1, 60, 1440), starting at `bucket` minutes since the epoch (UTC). */
export interface ApiCallRollupTable {
  span: number;
  bucket: number;
  /** `log_endpoints` code; 0: none. */
  endpoint_id: number;
  method: number;
  status: number;
  /** '' when the entry has none. */
  error_code: string;
  channel: number;
  count: number;
}

export interface ApiCallLatencyRollupTable {
  span: number;
  bucket: number;
  endpoint_id: number;
  /** LATENCY_BUCKETS index in src/logging/analytics/latency.ts. */
  latency_bucket: number;
  count: number;
  /** Of `count`, the calls answered with status >= 400. */
  failures: number;
}

export interface BlockedRollupTable {
  span: number;
  bucket: number;
  block_reason: string;
  method: number;
  count: number;
}

/** The most frequent values of one field in one closed hour or day, with their counts. */
export interface LogTopValuesTable {
  log: string;
  /** `ip`, `license_key` (its hash, hex) or `user_agent`. */
  field: string;
  /** 60 (an hour) or 1440 (a day). */
  span: number;
  bucket: number;
  value: string;
  /** What the API shows for the value when it is not the value itself: the masked licence key. */
  label: string | null;
  count: number;
}

export interface LogValueSummaryTable {
  log: string;
  field: string;
  span: number;
  bucket: number;
  distinct_values: number;
  /** The largest count among the values not kept in log_top_values (0 when all were kept). */
  dropped_max: number;
  /** HyperLogLog registers (addresses only). */
  sketch: Buffer | null;
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
  admin_mfa: AdminMfaTable;
  admin_recovery_codes: AdminRecoveryCodeTable;
  api_keys: ApiKeyTable;
  login_failures: LoginFailureTable;
  settings: SettingsTable;
  activity_log: ActivityLogTable;
  api_call_log: ApiCallLogTable;
  log_endpoints: LogDictionaryTable;
  log_user_agents: LogDictionaryTable;
  blocked_log: BlockedLogTable;
  security_rules: SecurityRuleTable;
  security_allowlist: SecurityAllowlistTable;
  log_rollup_state: LogRollupStateTable;
  log_rollup_late: LogRollupLateTable;
  api_call_rollup: ApiCallRollupTable;
  api_call_latency_rollup: ApiCallLatencyRollupTable;
  blocked_rollup: BlockedRollupTable;
  log_top_values: LogTopValuesTable;
  log_value_summary: LogValueSummaryTable;
  log_chain_heads: LogChainHeadTable;
  log_integrity_salts: LogIntegritySaltTable;
  log_chain_batches: LogChainBatchTable;
  log_chain_unsealed: LogChainUnsealedTable;
  log_checkpoints: LogCheckpointTable;
  webhook_endpoints: WebhookEndpointTable;
  domain_events: DomainEventTable;
  webhook_deliveries: WebhookDeliveryTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptTable;
  license_expiry_notices: LicenseExpiryNoticeTable;
  email_template_versions: EmailTemplateVersionTable;
  email_notifications: EmailNotificationTable;
  log_sinks: LogSinkTable;
  log_sink_cursors: LogSinkCursorTable;
}

/** One row per log: its hash chain's length and head, and where the kept part starts (ADR 0009). */
export interface LogChainHeadTable {
  /** `activity`, `api_calls`, `failed_api_calls` or `blocked` (CHAINED_LOGS). */
  log: string;
  /** Entries ever chained: the position of the last one. */
  count: number;
  head: Buffer;
  /** Position of the oldest entry retention has kept. */
  retained_from: number;
  /** The head just before `retained_from`. */
  retained_after: Buffer;
}

/** The secret salt of a log's UTC day for commitments to personal data; deleted once the day is redacted. */
export interface LogIntegritySaltTable {
  log: string;
  /** `YYYY-MM-DD`. */
  day: string;
  salt: Buffer;
}

/**
 * A run of a log's chain whose id order is its chain order: positions `first_seq..last_seq` are the
 * entries of that log with ids in `first_id..last_id` (the `log_…` ids as shown) and a position in the run.
 */
export interface LogChainBatchTable {
  log: string;
  first_seq: number;
  last_seq: number;
  first_id: string;
  last_id: string;
}

/**
 * A log that may hold unchained entries (written while integrity was off, or before migration 0010)
 * with ids from `from_id` on ('' = from its first entry). Each batch written unchained bumps `marks`;
 * sealing removes the row only if `marks` did not move while it chained, so none is forgotten.
 */
export interface LogChainUnsealedTable {
  log: string;
  from_id: string;
  marks: number;
}

/** A signed checkpoint of one log's chain (checkpoint.ts); hashes and the signature in hex. */
export interface LogCheckpointTable {
  log: string;
  number: number;
  count: number;
  head: string;
  retained_from: number;
  retained_after: string;
  end: Timestamp;
  /** The previous checkpoint's signature; null for number 1. */
  previous: string | null;
  key: string;
  signature: string;
}

/** An event webhook endpoint (migration 0015); `secret` is the HMAC key, never selected for reads. */
export interface WebhookEndpointTable {
  id: string;
  url: string;
  description: string | null;
  /** JSON array of subscribed event types. */
  events: Json;
  enabled: number;
  secret: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

/** The transactional outbox: one row per business event, written with the change that caused it. */
export interface DomainEventTable {
  id: string;
  type: string;
  data: Json;
  created_at: Timestamp;
}

export type WebhookDeliveryState = 'pending' | 'delivered' | 'failed';

export interface WebhookDeliveryTable {
  id: string;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  state: WebhookDeliveryState;
  max_attempts: number;
  attempts: number;
  next_attempt_at: Timestamp | null;
  lease_until: Timestamp | null;
  response_status: number | null;
  response_time_ms: number | null;
  error: string | null;
  delivered_at: Timestamp | null;
  give_up_at: Timestamp;
  created_at: Timestamp;
}

export interface WebhookDeliveryAttemptTable {
  delivery_id: string;
  attempt: number;
  attempted_at: Timestamp;
  response_status: number | null;
  response_time_ms: number;
  error: string | null;
}

export interface LicenseExpiryNoticeTable {
  license_id: string;
  kind: 'expiring' | 'expired';
  expires_at: string;
  created_at: Timestamp;
}

export interface EmailTemplateVersionTable {
  id: string;
  kind: string;
  version: number;
  subject: string;
  text_body: string;
  html_body: string;
  created_by: string | null;
  created_at: Timestamp;
}

export type EmailNotificationState = 'pending' | 'sent' | 'failed' | 'not_sent';

export interface EmailNotificationTable {
  id: string;
  kind: string;
  event_id: string | null;
  license_id: string | null;
  recipient: string;
  variables: Json;
  state: EmailNotificationState;
  attempts: number;
  next_attempt_at: Timestamp | null;
  lease_until: Timestamp | null;
  error: string | null;
  sent_at: Timestamp | null;
  created_at: Timestamp;
}

/** A log sink's configuration and delivery state (migration 0013, ADR 0012). */
export interface LogSinkTable {
  id: string;
  type: string;
  url: string;
  /** JSON list of log names. */
  logs: unknown;
  /** JSON object of filters. */
  filters: unknown;
  format: string;
  /** The HMAC key or token the sink sends with; never returned by the API. */
  secret: string | null;
  enabled: number;
  created_by: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** `active`, `retrying` or `dead_letter`. */
  state: string;
  /** Epoch ms of the first failure of the current run of failures. */
  failing_since: number | null;
  attempts: number;
  next_attempt_at: number | null;
  last_error: string | null;
  last_error_at: Timestamp | null;
  delivered: number;
  retried: number;
  last_delivery_at: Timestamp | null;
  lease_owner: string | null;
  lease_until: number | null;
}

/** Per sink and log: the chain position of the last entry delivered (or passed over by the filters). */
export interface LogSinkCursorTable {
  sink_id: string;
  log: string;
  position: number;
}
