import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorName, requirePrincipal } from '../access/principal.js';
import type { Services } from '../services.js';
import { audit } from './activity.hooks.js';
import { LoggingSettingsPatch, LoggingSettingsSchema } from './logging-settings.schemas.js';

const tags = ['settings'];

export function loggingSettingsRoutes(services: Services) {
  const { activity, settings } = services;
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/settings/logging',
      {
        config: { access: { auth: 'admin', permission: 'settings:read' } },
        schema: { tags, response: { 200: LoggingSettingsSchema } },
      },
      async () => settings.get(),
    );

    app.put(
      '/settings/logging',
      {
        config: {
          access: { auth: 'admin', permission: 'settings:write' },
          activity: { action: 'SETTINGS_UPDATED', resource_type: 'settings' },
        },
        schema: {
          tags,
          description:
            'Changes any subset of the logging settings (inside `retention_days` too); the rest keep their values. An unknown field or a bad value is 422 and changes nothing. Applies to the next request.',
          body: LoggingSettingsPatch,
          response: { 200: LoggingSettingsSchema },
        },
      },
      async (request) =>
        settings.update(
          request.body,
          (action) => audit(activity, request, action),
          actorName(requirePrincipal(request.principal)),
        ),
    );
  };
}
