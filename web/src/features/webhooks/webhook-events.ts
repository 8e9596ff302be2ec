/** The events an endpoint may subscribe to (the server's list, without its own `webhook.test`). */
export const WEBHOOK_EVENTS = [
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
] as const;
