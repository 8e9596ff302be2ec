import type { ApiKeyScope, Role } from '../db/schema.js';
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

/** How a route is reached: the licence API by any API key, administration by admin keys or sessions. */
export type RouteAccess =
  { auth: 'public' } | { auth: 'license' } | { auth: 'admin'; permission: Permission };

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
