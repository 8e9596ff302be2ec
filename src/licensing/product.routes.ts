import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { decodeCursor } from '../http/pagination.js';
import type { ActivityAction } from '../logging/activity-actions.js';
import { audit } from '../logging/activity.hooks.js';
import type { ActivityService } from '../logging/activity.service.js';
import { IdParams } from './licensing.schemas.js';
import { CreateProductBody, Product, ProductPage, UpdateProductBody } from './product.schemas.js';
import type { ProductService } from './product.service.js';
import { searchablePageQuery } from './text-search.js';

const tags = ['products'];
const ListQuery = searchablePageQuery('Text the name or code contains (any case).');
const read = { access: { auth: 'admin', permission: 'products:read' } } as const;
const write = { access: { auth: 'admin', permission: 'products:write' } } as const;

const activity = (action: ActivityAction) => ({ action, resource_type: 'product' as const });

export function productRoutes(products: ProductService, activityService: ActivityService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/products',
      { config: read, schema: { tags, querystring: ListQuery, response: { 200: ProductPage } } },
      async (request) =>
        products.list(request.query.limit, decodeCursor(request.query.cursor), request.query.q),
    );

    app.post(
      '/products',
      {
        config: { ...write, activity: activity('PRODUCT_CREATED') },
        schema: { tags, body: CreateProductBody, response: { 201: Product } },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await audit(activityService, request, (tx, entry) => products.create(request.body, tx, entry)),
          ),
    );

    app.get(
      '/products/:id',
      { config: read, schema: { tags, params: IdParams, response: { 200: Product } } },
      async (request) => products.get(request.params.id),
    );

    app.patch(
      '/products/:id',
      {
        config: { ...write, activity: activity('PRODUCT_UPDATED') },
        schema: { tags, params: IdParams, body: UpdateProductBody, response: { 200: Product } },
      },
      async (request) =>
        audit(activityService, request, (tx, entry) =>
          products.update(request.params.id, request.body, tx, entry),
        ),
    );

    app.delete(
      '/products/:id',
      {
        config: { ...write, activity: activity('PRODUCT_DELETED') },
        schema: { tags, params: IdParams, response: { 204: Type.Null() } },
      },
      async (request, reply) => {
        await audit(activityService, request, (tx, entry) => products.remove(request.params.id, tx, entry));
        return reply.code(204).send(null);
      },
    );
  };
}
