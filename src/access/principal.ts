import type { ApiKeyScope, Role, SessionMfaState } from '../db/schema.js';
import { AppError } from '../http/errors.js';
import type { Permission } from './permissions.js';

/** Who is making the request, once authentication has succeeded. */
export type Principal =
  | {
      kind: 'admin';
      adminId: string;
      email: string;
      role: Role;
      sessionId: string;
      /** The session token as shown in logs: `sess_` + its first 8 random characters + `...`. */
      sessionMasked: string;
      /** How far the session's sign-in went; only `off` and `passed` sessions are fully signed in. */
      mfa: SessionMfaState;
    }
  | {
      kind: 'api_key';
      apiKeyId: string;
      name: string;
      scope: ApiKeyScope;
      /** The role an admin-scope key acts with; null for licence-scoped keys. */
      role: Role | null;
      masked: string;
    };

/**
 * How a route is reached: the licence API by any API key, administration by admin keys or sessions.
 * `permission: 'self'` marks routes on the caller's own account (profile, password, logout): any
 * authenticated admin principal may use them, whatever its role. A list needs every permission in it
 * (a customer's API history is both the customer's and the logs').
 */
export type RouteAccess =
  | { auth: 'public' }
  | { auth: 'license' }
  | {
      auth: 'admin';
      permission: Permission | readonly Permission[] | 'self';
      /**
       * The unfinished sign-in steps whose sessions may use the route (the code step, the enrolment
       * step): every other route refuses them until the second factor is done.
       */
      mfaSteps?: readonly ('verify' | 'enrol')[];
    };

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyContextConfig {
    access?: RouteAccess;
  }
}

export function actorName(principal: Principal): string {
  return principal.kind === 'admin' ? principal.email : principal.name;
}

/**
 * The role a principal acts with: an admin's, or an admin-scope key's. A licence-scoped key has none
 * and is refused here too, so it can never be mistaken for the command line's unrestricted granter.
 */
export function principalRole(principal: Principal): Role {
  if (!principal.role) throw new AppError('ERR_INSUFFICIENT_SCOPE');
  return principal.role;
}

/** Handlers behind an authenticated route call this instead of asserting non-null everywhere. */
export function requirePrincipal(principal: Principal | null): Principal {
  if (!principal) throw new AppError('ERR_UNAUTHENTICATED');
  return principal;
}
