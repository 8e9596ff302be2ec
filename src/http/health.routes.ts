import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../db/database.js';
import { AppError } from './errors.js';
import type { Metrics } from './metrics.js';

const Health = Type.Object({ status: Type.String() });
const hidden = { hide: true } as const;

export function healthRoutes(deps: { database: DatabaseHandle; metrics: Metrics }) {
  return async function (app: FastifyInstance): Promise<void> {
    app.get(
      '/healthz',
      { schema: { tags: ['operations'], response: { 200: Health } }, config: { access: { auth: 'public' } } },
      async () => ({ status: 'ok' }),
    );

    app.get(
      '/readyz',
      { schema: { tags: ['operations'], response: { 200: Health } }, config: { access: { auth: 'public' } } },
      async () => {
        try {
          await deps.database.ping();
        } catch {
          throw new AppError('ERR_NOT_READY', 'The database is not reachable.');
        }
        return { status: 'ready' };
      },
    );

    app.get(
      '/metrics',
      { schema: { ...hidden }, config: { access: { auth: 'public' } } },
      async (_request, reply) => {
        reply.type(deps.metrics.registry.contentType);
        return deps.metrics.registry.metrics();
      },
    );
  };
}
