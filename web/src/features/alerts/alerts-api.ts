import { api, type Query } from '../../api/client.js';
import type { Page } from '../../api/types.js';

export { ALERT_STATES, SEVERITIES } from './alert-options.js';

export interface AlertRule {
  id: string;
  builtin: string | null;
  name: string;
  description: string | null;
  severity: string;
  enabled: boolean;
  condition: { type: string; threshold?: number; window_minutes?: number } & Record<string, unknown>;
  cooldown_minutes: number;
  notify: { emails: string[]; webhook_url: string | null; webhook_secret_set: boolean };
  created_at: string;
  updated_at: string;
}

export interface AlertView {
  id: string;
  rule_id: string;
  rule_name: string;
  group: string | null;
  severity: string;
  state: 'firing' | 'resolved';
  started_at: string;
  resolved_at: string | null;
  last_seen_at: string;
  value: number;
  threshold: number;
  summary: string;
}

export interface AlertNotification {
  id: string;
  event: string;
  channel: string;
  target: string;
  status: string;
  attempts: number;
  response_status: number | null;
  error: string | null;
  created_at: string;
}

export type RulePatch = Partial<{
  name: string;
  description: string | null;
  severity: string;
  enabled: boolean;
  condition: Record<string, unknown>;
  cooldown_minutes: number;
  notify: { emails?: string[]; webhook_url?: string | null; webhook_secret?: string };
}>;

const rulePath = (id: string) => `/alerts/rules/${encodeURIComponent(id)}`;

export const alerts = {
  list: (query: Query, signal?: AbortSignal) => api.get<Page<AlertView>>('/alerts', query, signal),
  detail: (id: string) =>
    api.get<AlertView & { notifications: AlertNotification[] }>(`/alerts/${encodeURIComponent(id)}`),
  rules: () => api.get<Page<AlertRule>>('/alerts/rules', { limit: 200 }),
  createRule: (body: RulePatch) => api.post<AlertRule>('/alerts/rules', body),
  updateRule: (id: string, body: RulePatch) => api.patch<AlertRule>(rulePath(id), body),
  deleteRule: (id: string) => api.delete<void>(rulePath(id)),
};
