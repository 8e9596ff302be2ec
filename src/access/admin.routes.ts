import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { decodeCursor, pageOf, PaginationQuery } from '../http/pagination.js';
import type { Services } from '../services.js';
import { Admin, AdminParams, CreateAdminBody, UpdateAdminBody } from './admin.schemas.js';
import { principalRole, requirePrincipal } from './principal.js';

const tags = ['admins'];

export function adminRoutes(services: Services) {
  const { admins } = services;
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/admins',
      {
        schema: { tags, querystring: PaginationQuery, response: { 200: pageOf(Admin) } },
        config: { access: { auth: 'admin', permission: 'admins:read' } },
      },
      async (request) => admins.list(request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.post(
      '/admins',
      {
        schema: { tags, body: CreateAdminBody, response: { 201: Admin } },
        config: { access: { auth: 'admin', permission: 'admins:write' } },
      },
      async (request, reply) => {
        const granter = principalRole(requirePrincipal(request.principal));
        const admin = await admins.create(request.body, granter);
        return reply.code(201).send(admin);
      },
    );

    app.get(
      '/admins/:id',
      {
        schema: { tags, params: AdminParams, response: { 200: Admin } },
        config: { access: { auth: 'admin', permission: 'admins:read' } },
      },
      async (request) => admins.get(request.params.id),
    );

    app.patch(
      '/admins/:id',
      {
        schema: { tags, params: AdminParams, body: UpdateAdminBody, response: { 200: Admin } },
        config: { access: { auth: 'admin', permission: 'admins:write' } },
      },
      async (request) =>
        admins.update(request.params.id, request.body, principalRole(requirePrincipal(request.principal))),
    );

    app.delete(
      '/admins/:id',
      {
        schema: { tags, params: AdminParams, response: { 200: Admin } },
        config: { access: { auth: 'admin', permission: 'admins:write' } },
      },
      async (request) => admins.delete(request.params.id, principalRole(requirePrincipal(request.principal))),
    );
  };
}
