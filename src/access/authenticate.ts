import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../http/errors.js';
import type { ApiKeyService } from './api-key.service.js';
import { can } from './permissions.js';
import type { Principal, RouteAccess } from './principal.js';

export const SESSION_COOKIE = 'km_session';
export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Implemented by the session service: resolves a portal cookie, checking expiry and the CSRF token. */
export interface SessionAuthenticator {
  authenticate(token: string, csrfToken: string | undefined, requireCsrf: boolean): Promise<Principal>;
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!match) throw new AppError('ERR_INVALID_API_KEY');
  return match[1];
}

async function resolvePrincipal(
  request: FastifyRequest,
  access: Exclude<RouteAccess, { auth: 'public' }>,
  apiKeys: ApiKeyService,
  sessions: SessionAuthenticator,
): Promise<Principal> {
  const secret = bearer(request);
  if (secret !== undefined) return apiKeys.authenticate(secret);
  const token = access.auth === 'admin' ? request.cookies[SESSION_COOKIE] : undefined;
  if (!token) throw new AppError('ERR_UNAUTHENTICATED');
  const csrf = request.headers[CSRF_HEADER];
  return sessions.authenticate(
    token,
    typeof csrf === 'string' ? csrf : undefined,
    !SAFE_METHODS.has(request.method),
  );
}

function authorize(principal: Principal, access: Exclude<RouteAccess, { auth: 'public' }>): void {
  if (access.auth === 'license') return;
  const role =
    principal.kind === 'admin' ? principal.role : principal.scope === 'admin' ? principal.role : null;
  if (!role || !can(role, access.permission)) throw new AppError('ERR_INSUFFICIENT_SCOPE');
}

/**
 * Runs after the body is parsed and before it is validated, so an unauthenticated caller learns
 * nothing about a route's schema. Every /api/v1 route must declare how it is reached.
 */
export function registerAuthentication(
  app: FastifyInstance,
  deps: { apiKeys: ApiKeyService; sessions: SessionAuthenticator },
): void {
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/api/v1/') && !route.config?.access) {
      throw new Error(`route ${route.method} ${route.url} declares no access rule`);
    }
  });
  app.addHook('preValidation', async (request) => {
    const access = request.routeOptions.config.access;
    if (!access || access.auth === 'public') return;
    const principal = await resolvePrincipal(request, access, deps.apiKeys, deps.sessions);
    authorize(principal, access);
    request.principal = principal;
  });
}
