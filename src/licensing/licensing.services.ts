import type { LicenseKeyLookup } from '../logging/request-log-filters.js';
import type { CoreDeps } from '../shared/deps.js';
import { NO_EVENTS, type EventEmitter } from '../webhooks/event-outbox.js';
import { createCustomerService } from './customer.service.js';
import { createLicenseApiService } from './license-api.service.js';
import { createLicenseBulkService } from './license-bulk.service.js';
import { createLicenseService } from './license.service.js';
import { createProductService } from './product.service.js';

/** `events` receives every licence, customer and product change in its transaction (webhooks/). */
export function createLicensingServices(deps: CoreDeps, events: EventEmitter = NO_EVENTS) {
  const products = createProductService(deps, events);
  const customers = createCustomerService(deps, events);
  const licenses = createLicenseService(
    deps,
    { products: products.repository, customers: customers.repository },
    events,
  );
  const licenseKeys: LicenseKeyLookup = {
    keyOf: (id) => licenses.repository.keyOf(id),
    keysOfCustomer: async (id) =>
      (await customers.repository.findById(id)) ? licenses.repository.keysOfCustomer(id) : null,
  };
  return {
    products,
    customers,
    licenses,
    /** For the request logs' licence and customer filters. */
    licenseKeys,
    licenseApi: createLicenseApiService(deps, licenses, events),
    bulk: createLicenseBulkService(
      deps,
      { licenses, products: products.repository, customers: customers.repository },
      events,
    ),
  };
}

export type LicensingServices = ReturnType<typeof createLicensingServices>;
