import { parseJson } from '../db/json.js';
import { maskLicenseKey } from '../logging/mask.js';

/**
 * The closed set of events a webhook endpoint may subscribe to (README "Event webhooks"). A new event
 * is added here, documented there, and emitted in the transaction of the change that causes it.
 */
export const EVENT_TYPES = [
  'license.created',
  'license.updated',
  'license.activated',
  'license.deactivated',
  'license.suspended',
  'license.unsuspended',
  'license.revoked',
  'license.deleted',
  'license.expiring',
  'license.expired',
  'customer.created',
  'customer.updated',
  'customer.deleted',
  'product.created',
  'product.updated',
  'product.deleted',
  'webhook.test',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Events an endpoint may subscribe to; `webhook.test` reaches an endpoint only through its test button. */
export const SUBSCRIBABLE_EVENTS = EVENT_TYPES.filter((type) => type !== 'webhook.test');

export interface DomainEvent {
  type: EventType;
  data: Record<string, unknown>;
}

interface LicenseFacts {
  id: string;
  key: string;
  product_id: string;
  customer_id: string | null;
  status: string;
  expires_at: string | null;
  max_activations: number | null;
  /** As stored (JSON text) or parsed. */
  features?: unknown;
  metadata?: unknown;
}

/**
 * A licence as events carry it. Licence keys are secrets here: the payload has the masked key only
 * (`XXXX-XXXX-XXXX-7K2M`, as in the logs), enough to recognise it; receivers look licences up by id.
 */
export function licenseEventData(license: LicenseFacts, extra: Record<string, unknown> = {}) {
  return {
    license: {
      id: license.id,
      key_masked: maskLicenseKey(license.key),
      product_id: license.product_id,
      customer_id: license.customer_id,
      status: license.status,
      expires_at: license.expires_at,
      max_activations: license.max_activations,
      ...(license.features !== undefined && { features: parseJson<string[]>(license.features) }),
      ...(license.metadata !== undefined && {
        metadata: parseJson<Record<string, unknown>>(license.metadata),
      }),
    },
    ...extra,
  };
}

/** The wire form of an event: what is signed and sent, and what a receiver de-duplicates by `id`. */
export interface EventPayload {
  id: string;
  type: string;
  created_at: string;
  data: unknown;
}
