import { api } from '../../api/client.js';
import type { Page } from '../../api/types.js';

export { SINK_FORMATS, SINK_LOGS, SINK_TYPES, URL_HINTS } from './sink-options.js';

export interface SinkHealth {
  state: 'active' | 'retrying' | 'dead_letter';
  lag_entries: number;
  lag_seconds: number;
  delivered: number;
  retried: number;
  failing_since: string | null;
  next_attempt_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  last_delivery_at: string | null;
}

export interface LogSink {
  id: string;
  type: string;
  url: string;
  logs: string[];
  filters: Record<string, unknown>;
  format: string;
  secret: string | null;
  enabled: boolean;
  created_at: string;
  updated_at: string;
  health: SinkHealth;
}

export interface SinkInput {
  type?: string;
  url: string;
  logs: string[];
  filters: Record<string, unknown>;
  format: string;
  enabled: boolean;
  /** Absent: keep the stored secret. */
  secret?: string | null;
}

const path = (id: string) => `/log-sinks/${encodeURIComponent(id)}`;

export const logSinks = {
  list: () => api.get<Page<LogSink>>('/log-sinks', { limit: 100 }),
  create: (body: SinkInput) => api.post<LogSink>('/log-sinks', body),
  update: (id: string, body: Omit<SinkInput, 'type'>) => api.patch<LogSink>(path(id), body),
  remove: (id: string) => api.delete<void>(path(id)),
  resume: (id: string) => api.post<LogSink>(`${path(id)}/resume`),
  test: (id: string) =>
    api.post<{ ok: boolean; error: string | null; duration_ms: number }>(`${path(id)}/test`),
};
