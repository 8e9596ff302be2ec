import type { Executor } from '../db/database.js';
import { toJson } from '../db/json.js';
import type { CoreDeps } from '../shared/deps.js';
import type { StoredEvent } from '../webhooks/event-outbox.js';
import type { EmailTemplateKind } from './email-template-kinds.js';

/** Which licence events the customer hears about, and with which template. */
const EMAIL_OF_EVENT: Partial<Record<string, EmailTemplateKind>> = {
  'license.created': 'license_issued',
  'license.expiring': 'license_expiring',
  'license.expired': 'license_expired',
  'license.suspended': 'license_suspended',
};

interface LicenseEventData {
  license: {
    id: string;
    key_masked: string;
    product_id: string;
    customer_id: string | null;
    expires_at: string | null;
    max_activations: number | null;
  };
  reason?: string;
  days_left?: number;
}

/**
 * Queues the customer's email for licence events, in the event's transaction: an email is queued
 * exactly when its licence change committed, and sent later by the delivery job, so a slow or absent
 * SMTP server never fails the licence action. A licence without a customer email gets none.
 * Variables are fixed now, except the full key of `license_issued`, read when the email is sent so
 * the key is stored in one place only.
 */
export function licenseEmailListener({ clock, ids }: Pick<CoreDeps, 'clock' | 'ids'>) {
  return async (tx: Executor, events: StoredEvent[]): Promise<void> => {
    const rows = [];
    for (const event of events) {
      const kind = EMAIL_OF_EVENT[event.type];
      if (!kind) continue;
      const data = event.data as unknown as LicenseEventData;
      const customerId = data.license.customer_id;
      if (!customerId) continue;
      const customer = await tx
        .selectFrom('customers')
        .select(['name', 'email'])
        .where('id', '=', customerId)
        .executeTakeFirst();
      if (!customer?.email) continue;
      const product = await tx
        .selectFrom('products')
        .select('name')
        .where('id', '=', data.license.product_id)
        .executeTakeFirst();
      const variables: Record<string, string> = {
        customer_name: customer.name,
        product_name: product?.name ?? '',
        license_id: data.license.id,
        license_key_masked: data.license.key_masked,
        expires_at: data.license.expires_at ?? '',
        ...(data.license.max_activations !== null && {
          max_activations: String(data.license.max_activations),
        }),
        ...(data.reason !== undefined && { reason: data.reason }),
        ...(data.days_left !== undefined && { days_left: String(data.days_left) }),
      };
      rows.push({
        id: ids.next('eml'),
        kind,
        event_id: event.id,
        license_id: data.license.id,
        recipient: customer.email,
        variables: toJson(variables),
        state: 'pending' as const,
        attempts: 0,
        next_attempt_at: clock.now().toISOString(),
        lease_until: null,
        error: null,
        sent_at: null,
        created_at: clock.now().toISOString(),
      });
    }
    if (rows.length) await tx.insertInto('email_notifications').values(rows).execute();
  };
}
