/**
 * The closed set of activity action types. Every administrative action records one of these; a new
 * feature adds its own here, so the list is the one place an auditor (or a SIEM rule) looks.
 */
export const ACTIVITY_ACTIONS = [
  'PRODUCT_CREATED',
  'PRODUCT_UPDATED',
  'PRODUCT_DELETED',
  'CUSTOMER_CREATED',
  'CUSTOMER_UPDATED',
  'CUSTOMER_DELETED',
  'CUSTOMER_NOTE_ADDED',
  'LICENSE_CREATED',
  'LICENSE_UPDATED',
  'LICENSE_SUSPENDED',
  'LICENSE_UNSUSPENDED',
  'LICENSE_REVOKED',
  'LICENSE_DELETED',
  'LICENSES_IMPORTED',
  'LICENSES_EXPORTED',
  'ACTIVATION_DELETED',
  'API_KEY_CREATED',
  'API_KEY_REVOKED',
  'ADMIN_CREATED',
  'ADMIN_UPDATED',
  'ADMIN_DELETED',
  'ADMIN_LOGIN',
  'ADMIN_LOGIN_FAILED',
  'ADMIN_LOGOUT',
  'ADMIN_PASSWORD_CHANGED',
  'ADMIN_PROFILE_UPDATED',
  'ADMIN_ACTIVITY_PSEUDONYMIZED',
  'MFA_ENROLLED',
  'MFA_VERIFIED',
  'MFA_VERIFICATION_FAILED',
  'MFA_RECOVERY_CODE_USED',
  'MFA_RECOVERY_CODES_REGENERATED',
  'MFA_DISABLED',
  'MFA_RESET',
  'SETTINGS_UPDATED',
  'LOGS_SEARCHED',
  'LOGS_EXPORTED',
  'LOG_CHECKPOINTS_EXPORTED',
  'LOGS_VERIFIED',
  'LOGS_PRUNED',
  'LOGS_ARCHIVED',
  'LOGS_RESTORED',
  'REPORT_GENERATED',
  'SECURITY_RULE_CREATED',
  'SECURITY_RULE_DELETED',
  'SECURITY_BAN_CREATED',
  'ALLOWLIST_ENTRY_ADDED',
  'ALLOWLIST_ENTRY_REMOVED',
  'RATE_LIMITS_UPDATED',
  'ALERT_RULE_CREATED',
  'ALERT_RULE_UPDATED',
  'ALERT_RULE_DELETED',
  'WEBHOOK_ENDPOINT_CREATED',
  'WEBHOOK_ENDPOINT_UPDATED',
  'WEBHOOK_ENDPOINT_DELETED',
  'WEBHOOK_SECRET_ROTATED',
  'WEBHOOK_TEST_SENT',
  'WEBHOOK_DELIVERY_RETRIED',
  'EMAIL_TEMPLATE_UPDATED',
  'LOG_SINK_CREATED',
  'LOG_SINK_UPDATED',
  'LOG_SINK_DELETED',
  'LOG_SINK_RESUMED',
  'LOG_SINK_TESTED',
  'ALERT_ACKNOWLEDGED',
] as const;

export type ActivityAction = (typeof ACTIVITY_ACTIONS)[number];

export const ACTIVITY_RESOURCE_TYPES = [
  'product',
  'customer',
  'license',
  'activation',
  'api_key',
  'admin',
  'session',
  'settings',
  'logs',
  'report',
  'security_rule',
  'allowlist_entry',
  'alert_rule',
  'webhook_endpoint',
  'email_template',
  'log_sink',
  'alert',
] as const;

export type ActivityResourceType = (typeof ACTIVITY_RESOURCE_TYPES)[number];

/** What a route declares in its config (`config.activity`): the action it performs and on what. */
export interface ActivityRouteConfig {
  action: ActivityAction;
  resource_type: ActivityResourceType;
  /** Recorded instead of `action` when the action fails (a failed login is its own action type). */
  failure_action?: ActivityAction;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    activity?: ActivityRouteConfig;
  }
}
