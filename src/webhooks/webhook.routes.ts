import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { decodeCursor, PaginationQuery } from '../http/pagination.js';
import type { ActivityAction } from '../logging/activity-actions.js';
import { audit } from '../logging/activity.hooks.js';
import type { ActivityService } from '../logging/activity.service.js';
import {
  CreateWebhookBody,
  DeliveryListQuery,
  DeliveryParams,
  IdParams,
  UpdateWebhookBody,
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookEndpoint,
  WebhookEndpointPage,
  WebhookEndpointWithSecret,
} from './webhook.schemas.js';
import type { WebhookService } from './webhook.service.js';
import { SUBSCRIBABLE_EVENTS } from './webhook-events.js';

const tags = ['webhooks'];
// Endpoints are server configuration that decides where data goes, like the log settings.
const read = { access: { auth: 'admin', permission: 'settings:read' } } as const;
const write = { access: { auth: 'admin', permission: 'settings:write' } } as const;
const activity = (action: ActivityAction) => ({ action, resource_type: 'webhook_endpoint' as const });

export function webhookRoutes(webhooks: WebhookService, activityService: ActivityService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/webhooks',
      {
        config: read,
        schema: { tags, querystring: PaginationQuery, response: { 200: WebhookEndpointPage } },
      },
      async (request) => webhooks.list(request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.get(
      '/webhooks/event-types',
      {
        config: read,
        schema: {
          tags,
          description: 'The events an endpoint may subscribe to.',
          response: { 200: Type.Object({ data: Type.Array(Type.String()) }) },
        },
      },
      async () => ({ data: [...SUBSCRIBABLE_EVENTS] }),
    );

    app.post(
      '/webhooks',
      {
        config: { ...write, activity: activity('WEBHOOK_ENDPOINT_CREATED') },
        schema: {
          tags,
          description: 'Creates an endpoint; the answer carries its signing secret, shown this once.',
          body: CreateWebhookBody,
          response: { 201: WebhookEndpointWithSecret },
        },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await audit(activityService, request, (tx, entry) => webhooks.create(request.body, tx, entry)),
          ),
    );

    app.get(
      '/webhooks/:id',
      { config: read, schema: { tags, params: IdParams, response: { 200: WebhookEndpoint } } },
      async (request) => webhooks.get(request.params.id),
    );

    app.patch(
      '/webhooks/:id',
      {
        config: { ...write, activity: activity('WEBHOOK_ENDPOINT_UPDATED') },
        schema: { tags, params: IdParams, body: UpdateWebhookBody, response: { 200: WebhookEndpoint } },
      },
      async (request) =>
        audit(activityService, request, (tx, entry) =>
          webhooks.update(request.params.id, request.body, tx, entry),
        ),
    );

    app.delete(
      '/webhooks/:id',
      {
        config: { ...write, activity: activity('WEBHOOK_ENDPOINT_DELETED') },
        schema: { tags, params: IdParams, response: { 204: Type.Null() } },
      },
      async (request, reply) => {
        await audit(activityService, request, (tx, entry) => webhooks.remove(request.params.id, tx, entry));
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/webhooks/:id/rotate-secret',
      {
        config: { ...write, activity: activity('WEBHOOK_SECRET_ROTATED') },
        schema: {
          tags,
          description:
            'Replaces the signing secret; the new one is shown this once and the old one stops at once.',
          params: IdParams,
          response: { 200: WebhookEndpointWithSecret },
        },
      },
      async (request) =>
        audit(activityService, request, (tx, entry) => webhooks.rotateSecret(request.params.id, tx, entry)),
    );

    app.post(
      '/webhooks/:id/test',
      {
        config: { ...write, activity: activity('WEBHOOK_TEST_SENT') },
        schema: {
          tags,
          description:
            'Sends a signed `webhook.test` event to the endpoint now (one attempt) and answers with the delivery.',
          params: IdParams,
          response: { 200: WebhookDelivery },
        },
      },
      async (request) => {
        const deliveryId = await audit(activityService, request, (tx, entry) =>
          webhooks.queueTest(request.params.id, tx, entry),
        );
        return webhooks.sendNow(request.params.id, deliveryId);
      },
    );

    app.get(
      '/webhooks/:id/deliveries',
      {
        config: read,
        schema: {
          tags,
          description: 'Delivery history, newest first, each with its attempts.',
          params: IdParams,
          querystring: DeliveryListQuery,
          response: { 200: WebhookDeliveryPage },
        },
      },
      async (request) => {
        const { limit, cursor, state } = request.query;
        return webhooks.deliveries(request.params.id, limit, decodeCursor(cursor), state);
      },
    );

    app.post(
      '/webhooks/:id/deliveries/:delivery_id/redeliver',
      {
        config: { ...write, activity: activity('WEBHOOK_DELIVERY_RETRIED') },
        schema: {
          tags,
          description: "Queues a failed delivery's event again, as a new delivery (409 unless it failed).",
          params: DeliveryParams,
          response: { 202: WebhookDelivery },
        },
      },
      async (request, reply) => {
        const { id, delivery_id } = request.params;
        const newId = await audit(activityService, request, (tx, entry) =>
          webhooks.redeliver(id, delivery_id, tx, entry),
        );
        return reply.code(202).send(await webhooks.delivery(id, newId));
      },
    );
  };
}
