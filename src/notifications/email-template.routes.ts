import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { actorName, requirePrincipal } from '../access/principal.js';
import { decodeCursor } from '../http/pagination.js';
import { audit } from '../logging/activity.hooks.js';
import type { ActivityService } from '../logging/activity.service.js';
import {
  EmailTemplate,
  EmailTemplateBody,
  EmailTemplateList,
  EmailTemplateVersionPage,
  KindParams,
  PreviewBody,
  RenderedEmail,
  VersionsQuery,
} from './email-template.schemas.js';
import type { EmailTemplateService } from './email-template.service.js';
import type { EmailNotificationRepository } from './email-notification.repository.js';
import { EmailNotificationPage, type EmailNotification } from './email-template.schemas.js';
import { PaginationQuery, toPage } from '../http/pagination.js';

const tags = ['email-templates'];
// Templates are server configuration, as the logging and security settings are.
const read = { access: { auth: 'admin', permission: 'settings:read' } } as const;
const write = { access: { auth: 'admin', permission: 'settings:write' } } as const;
// Templates are HTML and Mustache by design: the security layer's body check would take them for
// attacks. They are safe by construction instead: logic-less, escaped, variables checked on save.
const TEMPLATE_FIELDS = ['subject', 'text_body', 'html_body'] as const;

export function emailTemplateRoutes(
  templates: EmailTemplateService,
  activityService: ActivityService,
  emails: EmailNotificationRepository,
) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/email-templates',
      { config: read, schema: { tags, response: { 200: EmailTemplateList } } },
      async () => ({ data: await templates.list() }),
    );

    app.get(
      '/email-notifications',
      {
        config: read,
        schema: {
          tags,
          description:
            'Licence emails, newest first: whether each was sent, failed, or not sent (no SMTP server).',
          querystring: PaginationQuery,
          response: { 200: EmailNotificationPage },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await emails.list(limit + 1, decodeCursor(cursor));
        return toPage(
          rows.map(({ variables: _, next_attempt_at: __, kind, ...row }) => ({
            ...row,
            kind: kind as EmailNotification['kind'],
          })),
          limit,
        );
      },
    );

    app.get(
      '/email-templates/:kind',
      { config: read, schema: { tags, params: KindParams, response: { 200: EmailTemplate } } },
      async (request) => templates.get(request.params.kind),
    );

    app.put(
      '/email-templates/:kind',
      {
        config: {
          ...write,
          activity: { action: 'EMAIL_TEMPLATE_UPDATED', resource_type: 'email_template' },
          markupBodyFields: TEMPLATE_FIELDS,
        },
        schema: {
          tags,
          description:
            'Saves a new version of the template (earlier versions are kept). Unknown variables, unescaped ' +
            'HTML insertions and line breaks in the subject are refused (422).',
          params: KindParams,
          body: EmailTemplateBody,
          response: { 200: EmailTemplate },
        },
      },
      async (request) => {
        const author = actorName(requirePrincipal(request.principal));
        return audit(activityService, request, (tx, entry) =>
          templates.update(request.params.kind, request.body, author, tx, entry),
        );
      },
    );

    app.get(
      '/email-templates/:kind/versions',
      {
        config: read,
        schema: {
          tags,
          params: KindParams,
          querystring: VersionsQuery,
          response: { 200: EmailTemplateVersionPage },
        },
      },
      async (request) =>
        templates.versions(request.params.kind, request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.post(
      '/email-templates/:kind/preview',
      {
        // The preview exists to show how markup in values comes out: values are checked for it here.
        config: { ...read, markupBodyFields: [...TEMPLATE_FIELDS, 'variables'] },
        schema: {
          tags,
          description:
            'Renders the saved template, or the template given in the body, with the given variables ' +
            "(the kind's example values for any left out). Nothing is saved or sent.",
          params: KindParams,
          body: PreviewBody,
          response: { 200: RenderedEmail },
        },
      },
      async (request) => templates.preview(request.params.kind, request.body),
    );
  };
}
