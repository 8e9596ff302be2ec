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
import { LoginThrottledError, type NewSession } from './session.service.js';

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

export function adminOnly(principal: Principal | null): Extract<Principal, { kind: 'admin' }> {
  const p = requirePrincipal(principal);
  if (p.kind !== 'admin') throw new AppError('ERR_INSUFFICIENT_SCOPE', 'Only admin accounts have this.');
  return p;
}

/** Sets and clears the session cookie and its readable CSRF twin. */
export function sessionCookies(services: Services) {
  const { secureCookie } = services.core.config.sessions;
  const cookieOptions = { path: '/', sameSite: 'strict', secure: secureCookie } as const;
  return {
    set(reply: FastifyReply, session: NewSession): void {
      const expires = new Date(session.expiresAt);
      reply.setCookie(SESSION_COOKIE, session.token, { ...cookieOptions, httpOnly: true, expires });
      reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...cookieOptions, httpOnly: false, expires });
    },
    clear(reply: FastifyReply): void {
      reply.clearCookie(SESSION_COOKIE, { ...cookieOptions, httpOnly: true });
      reply.clearCookie(CSRF_COOKIE, cookieOptions);
    },
  };
}

/** The sign-in step a session is at: `verify` (code owed), `enrol` (authenticator owed) or null (done). */
export function mfaStep(services: Services, principal: Principal): 'verify' | 'enrol' | null {
  if (principal.kind !== 'admin') return null;
  if (principal.mfa === 'verify' || principal.mfa === 'enrol') return principal.mfa;
  if (principal.mfa === 'off' && services.accessSettings.get().require_mfa_for_admins) return 'enrol';
  return null;
}

export function authRoutes(services: Services) {
  const { admins, sessions, activity, mfa } = services;
  const cookies = sessionCookies(services);
  const clearCookies = cookies.clear;

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
          cookies.set(reply, result);
          const mfa_step =
            result.mfaState === 'verify' || result.mfaState === 'enrol' ? result.mfaState : null;
          return { admin: result.admin, csrf_token: result.csrfToken, mfa_step };
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
          access: { auth: 'admin', permission: 'self', mfaSteps: ['verify', 'enrol'] },
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
      {
        schema: { tags, response: { 200: Me } },
        config: { access: { auth: 'admin', permission: 'self', mfaSteps: ['verify', 'enrol'] } },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const permissions = principal.role ? [...ROLE_PERMISSIONS[principal.role]] : [];
        if (principal.kind === 'api_key') {
          const { apiKeyId: id, name, role } = principal;
          const mfaFields = { mfa_enabled: false, mfa_passed: false, mfa_step: null };
          return {
            type: 'api_key' as const,
            id,
            email: null,
            name,
            role,
            permissions,
            session: null,
            ...mfaFields,
          };
        }
        return {
          ...profile(await admins.get(principal.adminId), principal.sessionMasked),
          mfa_enabled: await mfa.isEnabled(principal.adminId),
          mfa_passed: principal.mfa === 'passed',
          mfa_step: mfaStep(services, principal),
        };
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
        return {
          ...profile(admin, principal.sessionMasked),
          mfa_enabled: await mfa.isEnabled(principal.adminId),
          mfa_passed: principal.mfa === 'passed',
          mfa_step: mfaStep(services, principal),
        };
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
