import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { decodeCursor, PaginationQuery } from '../http/pagination.js';
import { IdParams } from './licensing.schemas.js';
import { CreateProductBody, Product, ProductPage, UpdateProductBody } from './product.schemas.js';
import type { ProductService } from './product.service.js';

const tags = ['products'];
const read = { access: { auth: 'admin', permission: 'products:read' } } as const;
const write = { access: { auth: 'admin', permission: 'products:write' } } as const;

export function productRoutes(products: ProductService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/products',
      { config: read, schema: { tags, querystring: PaginationQuery, response: { 200: ProductPage } } },
      async (request) => products.list(request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.post(
      '/products',
      { config: write, schema: { tags, body: CreateProductBody, response: { 201: Product } } },
      async (request, reply) => reply.code(201).send(await products.create(request.body)),
    );

    app.get(
      '/products/:id',
      { config: read, schema: { tags, params: IdParams, response: { 200: Product } } },
      async (request) => products.get(request.params.id),
    );

    app.patch(
      '/products/:id',
      {
        config: write,
        schema: { tags, params: IdParams, body: UpdateProductBody, response: { 200: Product } },
      },
      async (request) => products.update(request.params.id, request.body),
    );

    app.delete(
      '/products/:id',
      { config: write, schema: { tags, params: IdParams, response: { 204: Type.Null() } } },
      async (request, reply) => {
        await products.remove(request.params.id);
        return reply.code(204).send(null);
      },
    );
  };
}
