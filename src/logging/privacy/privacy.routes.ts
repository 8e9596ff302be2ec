import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { AdminParams } from '../../access/admin.schemas.js';
import { audit } from '../activity.hooks.js';
import type { ActivityService } from '../activity.service.js';
import { pseudonymizeAdminActivity } from './admin-erasure.js';

const PseudonymizedActivity = Type.Object({
  admin_id: Type.String(),
  pseudonym: Type.String({ description: 'What the entries name instead of the admin from now on.' }),
  entries: Type.Integer({ description: 'Activity entries rewritten.' }),
});

export function privacyRoutes(activity: ActivityService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.post(
      '/admins/:id/pseudonymize',
      {
        schema: {
          tags: ['admins'],
          summary: "Erase a deleted admin's identity from the activity log (GDPR)",
          params: AdminParams,
          response: { 200: PseudonymizedActivity },
        },
        config: {
          access: { auth: 'admin', permission: 'admins:write' },
          activity: { action: 'ADMIN_ACTIVITY_PSEUDONYMIZED', resource_type: 'admin' },
        },
      },
      async (request) =>
        audit(activity, request, async (tx, entry) => {
          const result = await pseudonymizeAdminActivity(tx, request.params.id);
          entry.note({ details: { entries: result.entries, pseudonym: result.pseudonym } });
          return result;
        }),
    );
  };
}
