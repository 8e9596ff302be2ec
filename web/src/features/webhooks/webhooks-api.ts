import { api } from '../../api/client.js';
import type { Page } from '../../api/types.js';

export { WEBHOOK_EVENTS } from './webhook-events.js';

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  events: string[];
  enabled: boolean;
  secret_masked: string;
  created_at: string;
  updated_at: string;
}

export interface WebhookEndpointWithSecret extends WebhookEndpoint {
  secret: string;
}

export interface WebhookDelivery {
  id: string;
  event_id: string;
  event_type: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  max_attempts: number;
  response_status: number | null;
  response_time_ms: number | null;
  error: string | null;
  next_retry_at: string | null;
  delivered_at: string | null;
  created_at: string;
}

export interface WebhookInput {
  url: string;
  events: string[];
  description: string | null;
  enabled: boolean;
}

const path = (id: string) => `/webhooks/${encodeURIComponent(id)}`;

export const webhooks = {
  list: () => api.get<Page<WebhookEndpoint>>('/webhooks', { limit: 200 }),
  create: (body: WebhookInput) => api.post<WebhookEndpointWithSecret>('/webhooks', body),
  update: (id: string, body: Partial<WebhookInput>) => api.patch<WebhookEndpoint>(path(id), body),
  remove: (id: string) => api.delete<void>(path(id)),
  rotateSecret: (id: string) => api.post<WebhookEndpointWithSecret>(`${path(id)}/rotate-secret`),
  test: (id: string) => api.post<WebhookDelivery>(`${path(id)}/test`),
  deliveries: (id: string) => api.get<Page<WebhookDelivery>>(`${path(id)}/deliveries`, { limit: 50 }),
};
