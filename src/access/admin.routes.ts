import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { decodeCursor, pageOf, PaginationQuery } from '../http/pagination.js';
import { audit } from '../logging/activity.hooks.js';
import type { Services } from '../services.js';
import { Admin, AdminParams, CreateAdminBody, UpdateAdminBody } from './admin.schemas.js';
import { principalRole, requirePrincipal } from './principal.js';

const tags = ['admins'];

export function adminRoutes(services: Services) {
  const { admins, activity, mfa } = services;
  /** Whether each admin has two-factor sign-in on: what an owner needs to know before a reset. */
  async function withMfa<T extends { id: string }>(list: T[]): Promise<(T & { mfa_enabled: boolean })[]> {
    const active = await mfa.repository.activeAmong(list.map((admin) => admin.id));
    return list.map((admin) => ({ ...admin, mfa_enabled: active.has(admin.id) }));
  }
  const resource_type = 'admin' as const;
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/admins',
      {
        schema: { tags, querystring: PaginationQuery, response: { 200: pageOf(Admin) } },
        config: { access: { auth: 'admin', permission: 'admins:read' } },
      },
      async (request) => {
        const page = await admins.list(request.query.limit, decodeCursor(request.query.cursor));
        return { ...page, data: await withMfa(page.data) };
      },
    );

    app.post(
      '/admins',
      {
        schema: { tags, body: CreateAdminBody, response: { 201: Admin } },
        config: {
          access: { auth: 'admin', permission: 'admins:write' },
          activity: { action: 'ADMIN_CREATED', resource_type },
        },
      },
      async (request, reply) => {
        const granter = principalRole(requirePrincipal(request.principal));
        const admin = await audit(activity, request, (tx, entry) =>
          admins.create(request.body, granter, tx, entry),
        );
        return reply.code(201).send(admin);
      },
    );

    app.get(
      '/admins/:id',
      {
        schema: { tags, params: AdminParams, response: { 200: Admin } },
        config: { access: { auth: 'admin', permission: 'admins:read' } },
      },
      async (request) => (await withMfa([await admins.get(request.params.id)]))[0]!,
    );

    app.patch(
      '/admins/:id',
      {
        schema: { tags, params: AdminParams, body: UpdateAdminBody, response: { 200: Admin } },
        config: {
          access: { auth: 'admin', permission: 'admins:write' },
          activity: { action: 'ADMIN_UPDATED', resource_type },
        },
      },
      async (request) => {
        const granter = principalRole(requirePrincipal(request.principal));
        return audit(activity, request, (tx, entry) =>
          admins.update(request.params.id, request.body, granter, tx, entry),
        );
      },
    );

    app.delete(
      '/admins/:id',
      {
        schema: { tags, params: AdminParams, response: { 200: Admin } },
        config: {
          access: { auth: 'admin', permission: 'admins:write' },
          activity: { action: 'ADMIN_DELETED', resource_type },
        },
      },
      async (request) => {
        const granter = principalRole(requirePrincipal(request.principal));
        return audit(activity, request, (tx, entry) => admins.delete(request.params.id, granter, tx, entry));
      },
    );
  };
}
