import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { AppError } from '../http/errors.js';
import { audit } from '../logging/activity.hooks.js';
import type { Services } from '../services.js';
import type { AdminRecord } from './admin.repository.js';
import { LoginBody, LoginResponse, Me, PasswordChangeBody, ProfileBody } from './admin.schemas.js';
import { SESSION_COOKIE } from './authenticate.js';
import { ROLE_PERMISSIONS } from './permissions.js';
import { requirePrincipal, type Principal } from './principal.js';
import { LoginThrottledError } from './session.service.js';

/**
 * Readable by the portal's script (not HTTP-only) so it can send the x-csrf-token header after a
 * reload; another origin can read neither cookie, which is what makes the token worth checking.
 */
export const CSRF_COOKIE = 'km_csrf';

const tags = ['auth'];

function profile(admin: AdminRecord, sessionMasked: string) {
  const { id, email, name, role } = admin;
  const permissions = [...ROLE_PERMISSIONS[role]];
  return { type: 'admin' as const, id, email, name, role, permissions, session: sessionMasked };
}

function adminOnly(principal: Principal | null): Extract<Principal, { kind: 'admin' }> {
  const p = requirePrincipal(principal);
  if (p.kind !== 'admin') throw new AppError('ERR_INSUFFICIENT_SCOPE', 'Only admin accounts have this.');
  return p;
}

export function authRoutes(services: Services) {
  const { admins, sessions, activity } = services;
  const { secureCookie } = services.core.config.sessions;
  const cookieOptions = { path: '/', sameSite: 'strict', secure: secureCookie } as const;

  function clearCookies(reply: FastifyReply): void {
    reply.clearCookie(SESSION_COOKIE, { ...cookieOptions, httpOnly: true });
    reply.clearCookie(CSRF_COOKIE, cookieOptions);
  }

  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/auth/login',
      {
        schema: { tags, body: LoginBody, response: { 200: LoginResponse } },
        config: {
          access: { auth: 'public' },
          activity: { action: 'ADMIN_LOGIN', failure_action: 'ADMIN_LOGIN_FAILED', resource_type: 'admin' },
        },
      },
      async (request, reply) => {
        try {
          const result = await sessions.login(
            {
              ...request.body,
              ip: request.ip,
              userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
            },
            (action) => audit(activity, request, action),
          );
          const expires = new Date(result.expiresAt);
          reply.setCookie(SESSION_COOKIE, result.token, { ...cookieOptions, httpOnly: true, expires });
          reply.setCookie(CSRF_COOKIE, result.csrfToken, { ...cookieOptions, httpOnly: false, expires });
          return { admin: result.admin, csrf_token: result.csrfToken };
        } catch (error) {
          if (error instanceof LoginThrottledError)
            reply.header('retry-after', String(error.retryAfterSeconds));
          throw error;
        }
      },
    );

    app.post(
      '/auth/logout',
      {
        schema: { tags, response: { 204: Type.Null() } },
        config: {
          access: { auth: 'admin', permission: 'self' },
          activity: { action: 'ADMIN_LOGOUT', resource_type: 'session' },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        // An API key has no session to end; the call is a harmless no-op for it, and no activity.
        if (principal.kind === 'admin') {
          await audit(activity, request, (tx) => sessions.logout(principal.sessionId, tx), {
            resource_id: principal.sessionMasked,
            resource: `Session ${principal.sessionMasked} of ${principal.email}`,
          });
        }
        clearCookies(reply);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/auth/me',
      { schema: { tags, response: { 200: Me } }, config: { access: { auth: 'admin', permission: 'self' } } },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const permissions = principal.role ? [...ROLE_PERMISSIONS[principal.role]] : [];
        if (principal.kind === 'api_key') {
          const { apiKeyId: id, name, role } = principal;
          return { type: 'api_key' as const, id, email: null, name, role, permissions, session: null };
        }
        return profile(await admins.get(principal.adminId), principal.sessionMasked);
      },
    );

    app.patch(
      '/auth/me',
      {
        schema: { tags, body: ProfileBody, response: { 200: Me } },
        config: {
          access: { auth: 'admin', permission: 'self' },
          activity: { action: 'ADMIN_PROFILE_UPDATED', resource_type: 'admin' },
        },
      },
      async (request) => {
        const principal = adminOnly(request.principal);
        // Only the name changes, so no role check applies (the null granter).
        const admin = await audit(
          activity,
          request,
          (tx, entry) => admins.update(principal.adminId, { name: request.body.name }, null, tx, entry),
          { resource_id: principal.adminId },
        );
        return profile(admin, principal.sessionMasked);
      },
    );

    app.post(
      '/auth/password',
      {
        schema: { tags, body: PasswordChangeBody, response: { 204: Type.Null() } },
        config: {
          access: { auth: 'admin', permission: 'self' },
          activity: { action: 'ADMIN_PASSWORD_CHANGED', resource_type: 'admin' },
        },
      },
      async (request, reply) => {
        const principal = adminOnly(request.principal);
        try {
          await sessions.changePassword(
            principal,
            request.body.current_password,
            request.body.new_password,
            request.ip,
            (action) => audit(activity, request, action, { resource_id: principal.adminId }),
          );
        } catch (error) {
          if (error instanceof LoginThrottledError)
            reply.header('retry-after', String(error.retryAfterSeconds));
          throw error;
        }
        return reply.code(204).send(null);
      },
    );
  };
}
