import type { LicenseKeyLookup } from '../logging/request-log-filters.js';
import type { CoreDeps } from '../shared/deps.js';
import { createCustomerService } from './customer.service.js';
import { createLicenseApiService } from './license-api.service.js';
import { createLicenseBulkService } from './license-bulk.service.js';
import { createLicenseService } from './license.service.js';
import { createProductService } from './product.service.js';

export function createLicensingServices(deps: CoreDeps) {
  const products = createProductService(deps);
  const customers = createCustomerService(deps);
  const licenses = createLicenseService(deps, {
    products: products.repository,
    customers: customers.repository,
  });
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
    licenseApi: createLicenseApiService(deps, licenses),
    bulk: createLicenseBulkService(deps, {
      licenses,
      products: products.repository,
      customers: customers.repository,
    }),
  };
}

export type LicensingServices = ReturnType<typeof createLicensingServices>;
