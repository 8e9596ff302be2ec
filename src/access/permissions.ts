import type { Role } from '../db/schema.js';

export const PERMISSIONS = [
  'products:read',
  'products:write',
  'customers:read',
  'customers:write',
  'licenses:read',
  'licenses:write',
  'licenses:import',
  'licenses:export',
  'activations:write',
  'api-keys:read',
  'api-keys:write',
  'admins:read',
  'admins:write',
  'settings:read',
  'settings:write',
  'security:read',
  'security:write',
  'logs:read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['owner', 'admin', 'security', 'support', 'viewer'] as const satisfies readonly Role[];

const READ_CATALOGUE: Permission[] = ['products:read', 'customers:read', 'licenses:read'];

/**
 * The one permission table. Every route names the permission it needs and the server checks it;
 * the portal only hides what a role may not do. Logs are read by owner and security alone.
 */
export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(PERMISSIONS),
  admin: new Set(PERMISSIONS.filter((p) => p !== 'logs:read' && p !== 'admins:write')),
  security: new Set<Permission>([
    ...READ_CATALOGUE,
    'api-keys:read',
    'admins:read',
    'settings:read',
    'settings:write',
    'security:read',
    'security:write',
    'logs:read',
  ]),
  support: new Set<Permission>([...READ_CATALOGUE, 'customers:write', 'licenses:write', 'activations:write']),
  viewer: new Set<Permission>(READ_CATALOGUE),
};

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** A route's permission, or every one of a route's permissions. */
export function canAll(role: Role, needed: Permission | readonly Permission[]): boolean {
  return typeof needed === 'string' ? can(role, needed) : needed.every((permission) => can(role, permission));
}

/** A role may hand out (to an admin or an API key) only roles whose permissions it holds itself. */
export function canGrant(granter: Role, role: Role): boolean {
  return [...ROLE_PERMISSIONS[role]].every((p) => ROLE_PERMISSIONS[granter].has(p));
}
