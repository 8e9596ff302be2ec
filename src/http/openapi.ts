import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, FastifySchema, RouteOptions } from 'fastify';
import type { RouteAccess } from '../access/principal.js';

type SecurityRequirement = Record<string, string[]>;

/**
 * What each access rule accepts, as OpenAPI security requirements: the document then says, route by
 * route, that the health checks are open and the licence API takes API keys only (no session cookie).
 */
export function securityFor(access: RouteAccess | undefined): SecurityRequirement[] | undefined {
  if (!access) return undefined;
  if (access.auth === 'public') return [];
  if (access.auth === 'license') return [{ apiKey: [] }];
  return [{ apiKey: [] }, { session: [] }];
}

function withSecurity({ schema, url, route }: { schema: FastifySchema; url: string; route: RouteOptions }) {
  const security = securityFor(route.config?.access);
  if (security === undefined) return { schema, url };
  return { schema: { ...schema, security } as FastifySchema, url };
}

/** Registered before any route, so every route's TypeBox schema lands in the document. */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'KeyManager API',
        version: '1',
        description:
          'Licence server API. Errors always have the shape {"error": {"code", "message", "details"}}; see docs/errors.md.',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'km_live_… or km_test_… API key' },
          session: { type: 'apiKey', in: 'cookie', name: 'km_session' },
        },
      },
      security: [{ apiKey: [] }, { session: [] }],
    },
    transform: withSecurity,
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
}
