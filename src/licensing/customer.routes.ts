import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { actorName } from '../access/principal.js';
import { AppError } from '../http/errors.js';
import { decodeCursor, PaginationQuery } from '../http/pagination.js';
import {
  CreateCustomerBody,
  CreateNoteBody,
  Customer,
  CustomerPage,
  Note,
  NotePage,
  UpdateCustomerBody,
} from './customer.schemas.js';
import type { CustomerService } from './customer.service.js';
import { IdParams } from './licensing.schemas.js';

const tags = ['customers'];
const read = { access: { auth: 'admin', permission: 'customers:read' } } as const;
const write = { access: { auth: 'admin', permission: 'customers:write' } } as const;

export function customerRoutes(customers: CustomerService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/customers',
      { config: read, schema: { tags, querystring: PaginationQuery, response: { 200: CustomerPage } } },
      async (request) => customers.list(request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.post(
      '/customers',
      { config: write, schema: { tags, body: CreateCustomerBody, response: { 201: Customer } } },
      async (request, reply) => reply.code(201).send(await customers.create(request.body)),
    );

    app.get(
      '/customers/:id',
      { config: read, schema: { tags, params: IdParams, response: { 200: Customer } } },
      async (request) => customers.get(request.params.id),
    );

    app.patch(
      '/customers/:id',
      {
        config: write,
        schema: { tags, params: IdParams, body: UpdateCustomerBody, response: { 200: Customer } },
      },
      async (request) => customers.update(request.params.id, request.body),
    );

    app.delete(
      '/customers/:id',
      { config: write, schema: { tags, params: IdParams, response: { 204: Type.Null() } } },
      async (request, reply) => {
        await customers.remove(request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/customers/:id/notes',
      {
        config: read,
        schema: { tags, params: IdParams, querystring: PaginationQuery, response: { 200: NotePage } },
      },
      async (request) =>
        customers.listNotes(request.params.id, request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.post(
      '/customers/:id/notes',
      { config: write, schema: { tags, params: IdParams, body: CreateNoteBody, response: { 201: Note } } },
      async (request, reply) => {
        if (!request.principal) throw new AppError('ERR_UNAUTHENTICATED');
        const note = await customers.addNote(
          request.params.id,
          request.body.body,
          actorName(request.principal),
        );
        return reply.code(201).send(note);
      },
    );
  };
}
