import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import { customerRoutes } from './customer.routes.js';
import { licenseApiRoutes } from './license-api.routes.js';
import { licenseBulkRoutes } from './license-bulk.routes.js';
import { licenseRoutes } from './license.routes.js';
import { productRoutes } from './product.routes.js';

export function licensingRoutes(services: Services) {
  const { products, customers, licenses, licenseApi, bulk } = services.licensing;
  const { activity } = services;
  return async function (app: FastifyInstance): Promise<void> {
    await app.register(productRoutes(products, activity));
    await app.register(customerRoutes(customers, activity));
    await app.register(licenseApiRoutes(licenseApi));
    await app.register(licenseRoutes(licenses, activity));
    await app.register(licenseBulkRoutes(bulk, activity));
  };
}
