import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { actorName, requirePrincipal } from '../access/principal.js';
import { decodeCursor, PaginationQuery } from '../http/pagination.js';
import type { ActivityAction } from '../logging/activity-actions.js';
import { audit } from '../logging/activity.hooks.js';
import type { ActivityService } from '../logging/activity.service.js';
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
import { searchablePageQuery } from './text-search.js';

const tags = ['customers'];
const ListQuery = searchablePageQuery('Text the name or email contains (any case).');
const read = { access: { auth: 'admin', permission: 'customers:read' } } as const;
const write = { access: { auth: 'admin', permission: 'customers:write' } } as const;

const activity = (action: ActivityAction) => ({ action, resource_type: 'customer' as const });

export function customerRoutes(customers: CustomerService, activityService: ActivityService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/customers',
      { config: read, schema: { tags, querystring: ListQuery, response: { 200: CustomerPage } } },
      async (request) =>
        customers.list(request.query.limit, decodeCursor(request.query.cursor), request.query.q),
    );

    app.post(
      '/customers',
      {
        config: { ...write, activity: activity('CUSTOMER_CREATED') },
        schema: { tags, body: CreateCustomerBody, response: { 201: Customer } },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await audit(activityService, request, (tx, entry) => customers.create(request.body, tx, entry)),
          ),
    );

    app.get(
      '/customers/:id',
      { config: read, schema: { tags, params: IdParams, response: { 200: Customer } } },
      async (request) => customers.get(request.params.id),
    );

    app.patch(
      '/customers/:id',
      {
        config: { ...write, activity: activity('CUSTOMER_UPDATED') },
        schema: { tags, params: IdParams, body: UpdateCustomerBody, response: { 200: Customer } },
      },
      async (request) =>
        audit(activityService, request, (tx, entry) =>
          customers.update(request.params.id, request.body, tx, entry),
        ),
    );

    app.delete(
      '/customers/:id',
      {
        config: { ...write, activity: activity('CUSTOMER_DELETED') },
        schema: { tags, params: IdParams, response: { 204: Type.Null() } },
      },
      async (request, reply) => {
        await audit(activityService, request, (tx, entry) => customers.remove(request.params.id, tx, entry));
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
      {
        config: { ...write, activity: activity('CUSTOMER_NOTE_ADDED') },
        schema: { tags, params: IdParams, body: CreateNoteBody, response: { 201: Note } },
      },
      async (request, reply) => {
        const author = actorName(requirePrincipal(request.principal));
        const note = await audit(activityService, request, (tx, entry) =>
          customers.addNote(request.params.id, request.body.body, author, tx, entry),
        );
        return reply.code(201).send(note);
      },
    );
  };
}
