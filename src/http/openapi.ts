import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

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
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
}
