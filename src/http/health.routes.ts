import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { DatabaseHandle } from '../db/database.js';
import { AppError } from './errors.js';
import type { Metrics } from './metrics.js';

/** The log writer's state as readiness sees it (see ADR 0003). */
export interface LogWriterHealth {
  health(): 'ok' | 'spooling' | 'dropping';
}

const Health = Type.Object({ status: Type.String() });
const hidden = { hide: true } as const;

/** Shared state (Redis) as readiness sees it: unreachable means per-process limits, still serving. */
export interface SharedStateHealth {
  health(): 'ok' | 'degraded';
}

export function healthRoutes(deps: {
  database: DatabaseHandle;
  metrics: Metrics;
  logWriter?: LogWriterHealth;
  sharedState?: SharedStateHealth;
}) {
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
        // Dropping log entries is an outage of the logs: the load balancer should send traffic to a
        // process that still records it. Spooling while the store is away is degraded but loses nothing.
        const writer = deps.logWriter?.health() ?? 'ok';
        if (writer === 'dropping')
          throw new AppError('ERR_NOT_READY', 'The log spool is full: log entries are being dropped.');
        const shared = deps.sharedState?.health() ?? 'ok';
        return { status: writer === 'spooling' || shared === 'degraded' ? 'degraded' : 'ready' };
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
