import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import { adminRoutes } from './admin.routes.js';
import { apiKeyRoutes } from './api-key.routes.js';
import { authRoutes } from './auth.routes.js';
import { mfaRoutes } from './mfa.routes.js';

export function accessRoutes(services: Services) {
  return async function (app: FastifyInstance): Promise<void> {
    await app.register(authRoutes(services));
    await app.register(adminRoutes(services));
    await app.register(apiKeyRoutes(services));
    await app.register(mfaRoutes(services));
  };
}
