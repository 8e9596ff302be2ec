import type { FastifyInstance } from 'fastify';
import type { Services } from '../services.js';

export function accessRoutes(_services: Services) {
  return async function (_app: FastifyInstance): Promise<void> {};
}
