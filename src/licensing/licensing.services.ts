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
  return {
    products,
    customers,
    licenses,
    licenseApi: createLicenseApiService(deps, licenses),
    bulk: createLicenseBulkService(deps, {
      licenses,
      products: products.repository,
      customers: customers.repository,
    }),
  };
}

export type LicensingServices = ReturnType<typeof createLicensingServices>;
