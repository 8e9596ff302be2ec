import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { decodeCursor, PaginationQuery } from '../http/pagination.js';
import type { ActivityAction } from '../logging/activity-actions.js';
import { audit } from '../logging/activity.hooks.js';
import type { ActivityService } from '../logging/activity.service.js';
import {
  ActivationPage,
  ActivationParams,
  CreateLicenseBody,
  License,
  LicenseListQuery,
  LicensePage,
  UpdateLicenseBody,
} from './license.schemas.js';
import type { LicenseService } from './license.service.js';
import { IdParams, ReasonBody } from './licensing.schemas.js';

const tags = ['licenses'];
const read = { access: { auth: 'admin', permission: 'licenses:read' } } as const;
const write = { access: { auth: 'admin', permission: 'licenses:write' } } as const;
const activationsWrite = { access: { auth: 'admin', permission: 'activations:write' } } as const;

const activity = (action: ActivityAction) => ({ action, resource_type: 'license' as const });
const TRANSITION_ACTIONS = {
  suspend: 'LICENSE_SUSPENDED',
  unsuspend: 'LICENSE_UNSUSPENDED',
  revoke: 'LICENSE_REVOKED',
} as const;

export function licenseRoutes(licenses: LicenseService, activityService: ActivityService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/licenses',
      { config: read, schema: { tags, querystring: LicenseListQuery, response: { 200: LicensePage } } },
      async (request) => {
        const { limit, cursor, ...filters } = request.query;
        return licenses.list(filters, limit, decodeCursor(cursor));
      },
    );

    app.post(
      '/licenses',
      {
        config: { ...write, activity: activity('LICENSE_CREATED') },
        schema: { tags, body: CreateLicenseBody, response: { 201: License } },
      },
      async (request, reply) =>
        reply
          .code(201)
          .send(
            await audit(activityService, request, (tx, entry) => licenses.create(request.body, tx, entry)),
          ),
    );

    app.get(
      '/licenses/:id',
      { config: read, schema: { tags, params: IdParams, response: { 200: License } } },
      async (request) => licenses.get(request.params.id),
    );

    app.patch(
      '/licenses/:id',
      {
        config: { ...write, activity: activity('LICENSE_UPDATED') },
        schema: { tags, params: IdParams, body: UpdateLicenseBody, response: { 200: License } },
      },
      async (request) =>
        audit(activityService, request, (tx, entry) =>
          licenses.update(request.params.id, request.body, tx, entry),
        ),
    );

    app.delete(
      '/licenses/:id',
      {
        config: { ...write, activity: activity('LICENSE_DELETED') },
        schema: { tags, params: IdParams, response: { 204: Type.Null() } },
      },
      async (request, reply) => {
        await audit(activityService, request, (tx, entry) => licenses.remove(request.params.id, tx, entry));
        return reply.code(204).send(null);
      },
    );

    for (const action of ['suspend', 'unsuspend', 'revoke'] as const) {
      app.post(
        `/licenses/:id/${action}`,
        {
          config: { ...write, activity: activity(TRANSITION_ACTIONS[action]) },
          schema: { tags, params: IdParams, body: ReasonBody, response: { 200: License } },
        },
        async (request) =>
          audit(activityService, request, (tx, entry) =>
            licenses[action](request.params.id, request.body.reason, tx, entry),
          ),
      );
    }

    app.get(
      '/licenses/:id/activations',
      {
        config: read,
        schema: { tags, params: IdParams, querystring: PaginationQuery, response: { 200: ActivationPage } },
      },
      async (request) =>
        licenses.listActivations(request.params.id, request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.delete(
      '/licenses/:id/activations/:activation_id',
      {
        config: {
          ...activationsWrite,
          activity: { action: 'ACTIVATION_DELETED', resource_type: 'activation' },
        },
        schema: { tags, params: ActivationParams, response: { 204: Type.Null() } },
      },
      async (request, reply) => {
        const { id, activation_id } = request.params;
        await audit(
          activityService,
          request,
          (tx, entry) => licenses.removeActivation(id, activation_id, tx, entry),
          { resource_id: activation_id },
        );
        return reply.code(204).send(null);
      },
    );
  };
}
