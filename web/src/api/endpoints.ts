import { api, apiUrl, request, type Query } from './client.js';
import type {
  AccessSettings,
  MfaEnrolment,
  MfaStatus,
  Activation,
  Admin,
  ApiKey,
  Role,
  ActivityEntry,
  AllowlistEntry,
  BlockedEntry,
  Customer,
  CustomerNote,
  EndpointStats,
  FailedApiCallEntry,
  LatencySeries,
  License,
  LoggingSettings,
  LoginAnswer,
  Me,
  Page,
  Product,
  RateLimits,
  SecurityRule,
  Summary,
  Timeseries,
  TopValues,
} from './types.js';

export type LogRoute = 'activity' | 'api-calls' | 'failed-api-calls' | 'blocked';
export type AnalysedLog = Exclude<LogRoute, 'activity'>;

export const auth = {
  login: (email: string, password: string) => api.post<LoginAnswer>('/auth/login', { email, password }),
  logout: () => api.post<void>('/auth/logout'),
  me: () => api.get<Me>('/auth/me'),
  verifyMfa: (factor: { totp_code: string } | { recovery_code: string }) =>
    api.post<LoginAnswer>('/auth/mfa/verify', factor),
};

export const mfa = {
  status: () => api.get<MfaStatus>('/auth/mfa'),
  startEnrolment: () => api.post<MfaEnrolment>('/auth/mfa/enrol'),
  confirmEnrolment: (totp_code: string) =>
    api.post<{ recovery_codes: string[] }>('/auth/mfa/enrol/confirm', { totp_code }),
  regenerateRecoveryCodes: (totp_code: string) =>
    api.post<{ recovery_codes: string[] }>('/auth/mfa/recovery-codes', { totp_code }),
  disable: (body: { password: string; totp_code: string } | { password: string; recovery_code: string }) =>
    api.post<{ csrf_token: string }>('/auth/mfa/disable', body),
  resetFor: (adminId: string) => api.delete<void>(`/admins/${encodeURIComponent(adminId)}/mfa`),
  accessSettings: () => api.get<AccessSettings>('/settings/access'),
  saveAccessSettings: (patch: Partial<AccessSettings>) => api.put<AccessSettings>('/settings/access', patch),
};

export const settings = {
  logging: () => api.get<LoggingSettings>('/settings/logging'),
  saveLogging: (patch: Partial<LoggingSettings>) => api.put<LoggingSettings>('/settings/logging', patch),
};

export const logs = {
  activity: (query: Query, signal?: AbortSignal) =>
    api.get<Page<ActivityEntry>>('/logs/activity', query, signal),
  apiCalls: (query: Query, signal?: AbortSignal) =>
    api.get<Page<FailedApiCallEntry>>('/logs/api-calls', query, signal),
  failedApiCalls: (query: Query, signal?: AbortSignal) =>
    api.get<Page<FailedApiCallEntry>>('/logs/failed-api-calls', query, signal),
  blocked: (query: Query, signal?: AbortSignal) =>
    api.get<Page<BlockedEntry>>('/logs/blocked', query, signal),
  /** A download link: the browser streams the file with the session cookie. */
  exportUrl: (log: LogRoute, query: Query, format: 'csv' | 'ndjson' = 'csv') =>
    apiUrl(`/logs/${log}`, { ...query, cursor: undefined, limit: undefined, format }),
};

export const analytics = {
  timeseries: (log: AnalysedLog, query: Query, signal?: AbortSignal) =>
    api.get<Timeseries>(`/logs/${log}/analytics/timeseries`, query, signal),
  top: (log: AnalysedLog, query: Query, signal?: AbortSignal) =>
    api.get<TopValues>(`/logs/${log}/analytics/top`, query, signal),
  summary: (log: AnalysedLog, query: Query, signal?: AbortSignal) =>
    api.get<Summary>(`/logs/${log}/analytics/summary`, query, signal),
  endpoints: (log: 'api-calls' | 'failed-api-calls', query: Query, signal?: AbortSignal) =>
    api.get<EndpointStats>(`/logs/${log}/analytics/endpoints`, query, signal),
  /** Takes `from`, `to`, `bucket` and `endpoint` only. */
  latency: (log: 'api-calls' | 'failed-api-calls', query: Query, signal?: AbortSignal) =>
    api.get<LatencySeries>(`/logs/${log}/analytics/latency`, query, signal),
};

export const security = {
  rules: (query: Query) => api.get<Page<SecurityRule>>('/security/rules', query),
  createRule: (body: { type: string; value: string; reason?: string | null; expires_at?: string | null }) =>
    api.post<SecurityRule>('/security/rules', body),
  deleteRule: (id: string) => api.delete<void>(`/security/rules/${encodeURIComponent(id)}`),
  allowlist: (query: Query = {}) => api.get<Page<AllowlistEntry>>('/security/allowlist', query),
  allow: (value: string, note?: string) =>
    api.post<AllowlistEntry>('/security/allowlist', { value, note: note ?? null }),
  removeAllowed: (id: string) => api.delete<void>(`/security/allowlist/${encodeURIComponent(id)}`),
  rateLimits: () => api.get<RateLimits>('/security/rate-limits'),
  saveRateLimits: (patch: Partial<RateLimits>) => api.put<RateLimits>('/security/rate-limits', patch),
};

export const catalogue = {
  products: (query: Query) => api.get<Page<Product>>('/products', query),
  createProduct: (body: { name: string; code?: string }) => api.post<Product>('/products', body),
  updateProduct: (id: string, body: { name?: string; code?: string | null }) =>
    api.patch<Product>(`/products/${encodeURIComponent(id)}`, body),
  customers: (query: Query) => api.get<Page<Customer>>('/customers', query),
  createCustomer: (body: { name: string; email?: string | null }) => api.post<Customer>('/customers', body),
  updateCustomer: (id: string, body: { name?: string; email?: string | null }) =>
    api.patch<Customer>(`/customers/${encodeURIComponent(id)}`, body),
  notes: (customerId: string, query: Query) =>
    api.get<Page<CustomerNote>>(`/customers/${encodeURIComponent(customerId)}/notes`, query),
  addNote: (customerId: string, body: string) =>
    api.post<CustomerNote>(`/customers/${encodeURIComponent(customerId)}/notes`, { body }),
  licenses: (query: Query) => api.get<Page<License>>('/licenses', query),
  license: (id: string) => api.get<License>(`/licenses/${encodeURIComponent(id)}`),
  updateLicense: (
    id: string,
    body: {
      customer_id?: string | null;
      max_activations?: number | null;
      expires_at?: string | null;
      features?: string[];
      metadata?: Record<string, unknown>;
    },
  ) => api.patch<License>(`/licenses/${encodeURIComponent(id)}`, body),
  createLicense: (body: {
    product_id: string;
    customer_id?: string | null;
    max_activations?: number | null;
    expires_at?: string | null;
  }) => api.post<License>('/licenses', body),
  changeStatus: (id: string, action: 'suspend' | 'unsuspend' | 'revoke', reason: string) =>
    api.post<License>(`/licenses/${encodeURIComponent(id)}/${action}`, { reason }),
  activations: (id: string) => api.get<Page<Activation>>(`/licenses/${encodeURIComponent(id)}/activations`),
  deactivate: (id: string, activationId: string) =>
    api.delete<void>(`/licenses/${encodeURIComponent(id)}/activations/${encodeURIComponent(activationId)}`),
  importLicenses: (csv: string) =>
    request<unknown>('POST', '/licenses/import', { raw: { body: csv, contentType: 'text/csv' } }),
  exportUrl: (query: Query) => apiUrl('/licenses/export', query),
};

export const access = {
  admins: () => api.get<Page<Admin>>('/admins', { limit: 200 }),
  createAdmin: (body: { email: string; password: string; role: Role; name?: string | null }) =>
    api.post<Admin>('/admins', body),
  changeRole: (id: string, role: Role) => api.patch<Admin>(`/admins/${encodeURIComponent(id)}`, { role }),
  deleteAdmin: (id: string) => api.delete<void>(`/admins/${encodeURIComponent(id)}`),
  apiKeys: () => api.get<Page<ApiKey>>('/api-keys', { limit: 200 }),
  createApiKey: (body: {
    name: string;
    scope: 'admin' | 'licenses';
    role?: Role;
    environment?: 'live' | 'test';
  }) => api.post<ApiKey & { secret: string }>('/api-keys', body),
  revokeApiKey: (id: string) => api.delete<void>(`/api-keys/${encodeURIComponent(id)}`),
};
