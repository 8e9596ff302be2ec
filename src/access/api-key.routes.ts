import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { AppError, validationError } from '../http/errors.js';
import { decodeCursor, pageOf, PaginationQuery } from '../http/pagination.js';
import { audit } from '../logging/activity.hooks.js';
import type { Services } from '../services.js';
import { ApiKey, ApiKeyParams, CreateApiKeyBody, CreatedApiKey } from './api-key.schemas.js';
import { canGrant } from './permissions.js';
import { principalRole, requirePrincipal, type Principal } from './principal.js';

const tags = ['api-keys'];

function principalId(principal: Principal): string {
  return principal.kind === 'admin' ? principal.adminId : principal.apiKeyId;
}

export function apiKeyRoutes(services: Services) {
  const { apiKeys, activity } = services;
  const resource_type = 'api_key' as const;
  const { clock } = services.core;
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/api-keys',
      {
        schema: { tags, querystring: PaginationQuery, response: { 200: pageOf(ApiKey) } },
        config: { access: { auth: 'admin', permission: 'api-keys:read' } },
      },
      async (request) => apiKeys.list(request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.post(
      '/api-keys',
      {
        schema: { tags, body: CreateApiKeyBody, response: { 201: CreatedApiKey } },
        config: {
          access: { auth: 'admin', permission: 'api-keys:write' },
          activity: { action: 'API_KEY_CREATED', resource_type },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const creatorRole = principalRole(principal);
        const { name, scope, role, environment, expires_at } = request.body;
        if (scope === 'licenses' && role !== undefined) {
          throw validationError([{ field: 'role', message: 'applies to admin-scope keys only' }]);
        }
        if (expires_at && new Date(expires_at) <= clock.now()) {
          throw validationError([{ field: 'expires_at', message: 'must be in the future' }]);
        }
        // A key acts with its role, so handing out a role above one's own would be an escalation.
        const keyRole = scope === 'admin' ? (role ?? 'admin') : null;
        if (keyRole && !canGrant(creatorRole, keyRole)) {
          throw new AppError(
            'ERR_INSUFFICIENT_SCOPE',
            `Your role may not create a key with the role "${keyRole}".`,
          );
        }
        const input = {
          name,
          scope,
          role: keyRole,
          environment: environment ?? 'live',
          expiresAt: expires_at ? new Date(expires_at).toISOString() : null,
          createdBy: principalId(principal),
        };
        const { apiKey, secret } = await audit(activity, request, (tx, entry) =>
          apiKeys.create(input, tx, entry),
        );
        return reply.code(201).send({ ...apiKey, secret });
      },
    );

    app.get(
      '/api-keys/:id',
      {
        schema: { tags, params: ApiKeyParams, response: { 200: ApiKey } },
        config: { access: { auth: 'admin', permission: 'api-keys:read' } },
      },
      async (request) => apiKeys.get(request.params.id),
    );

    app.delete(
      '/api-keys/:id',
      {
        schema: { tags, params: ApiKeyParams, response: { 200: ApiKey } },
        config: {
          access: { auth: 'admin', permission: 'api-keys:write' },
          activity: { action: 'API_KEY_REVOKED', resource_type },
        },
      },
      async (request) => {
        const revokerRole = principalRole(requirePrincipal(request.principal));
        const revoked = await audit(activity, request, async (tx, entry) => {
          const apiKey = await apiKeys.get(request.params.id, tx);
          if (apiKey.role && !canGrant(revokerRole, apiKey.role)) {
            throw new AppError(
              'ERR_INSUFFICIENT_SCOPE',
              `Your role may not revoke a key with the role "${apiKey.role}".`,
            );
          }
          return apiKeys.revoke(apiKey.id, tx, entry);
        });
        await apiKeys.notifyRevoked();
        return revoked;
      },
    );
  };
}
