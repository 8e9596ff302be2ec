import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { actorName, requirePrincipal } from '../access/principal.js';
import { validationError } from '../http/errors.js';
import { decodeCursor, PaginationQuery } from '../http/pagination.js';
import type { ActivityAction } from '../logging/activity-actions.js';
import { audit } from '../logging/activity.hooks.js';
import type { ActivityService } from '../logging/activity.service.js';
import type { Alerts } from './alerts.js';
import {
  AlertDetailSchema,
  AlertIdParams,
  AlertListQuery,
  AlertPage,
  AlertRulePage,
  AlertRuleSchema,
  AlertViewSchema,
  CreateAlertRuleBody,
  RuleIdParams,
  UpdateAlertRuleBody,
} from './alert.schemas.js';

const tags = ['alerts'];
// Rules are configuration (settings); fired alerts quote log facts (addresses, endpoints, admins), so
// reading them needs the log permission.
const readRules = { access: { auth: 'admin', permission: 'settings:read' } } as const;
const readAlerts = { access: { auth: 'admin', permission: 'logs:read' } } as const;
const write = { access: { auth: 'admin', permission: 'settings:write' } } as const;
const activity = (action: ActivityAction) => ({ action, resource_type: 'alert_rule' as const });

export function alertRoutes(alerts: Alerts, activityService: ActivityService) {
  const { rules } = alerts;
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/alerts/rules',
      {
        config: readRules,
        schema: {
          tags,
          description: 'Every alert rule, built-in ones first (oldest first).',
          querystring: PaginationQuery,
          response: { 200: AlertRulePage },
        },
      },
      async (request) => rules.list(request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.post(
      '/alerts/rules',
      {
        config: { ...write, activity: activity('ALERT_RULE_CREATED') },
        schema: {
          tags,
          description:
            'A rule of any condition kind. A `webhook_url` needs a `webhook_secret` (16–200 characters), which is never returned.',
          body: CreateAlertRuleBody,
          response: { 201: AlertRuleSchema },
        },
      },
      async (request, reply) => {
        const by = actorName(requirePrincipal(request.principal));
        const rule = await rules.create(
          request.body,
          (action) => audit(activityService, request, action),
          by,
        );
        return reply.code(201).send(rule);
      },
    );

    app.get(
      '/alerts/rules/:id',
      { config: readRules, schema: { tags, params: RuleIdParams, response: { 200: AlertRuleSchema } } },
      async (request) => rules.get(request.params.id),
    );

    app.patch(
      '/alerts/rules/:id',
      {
        config: { ...write, activity: activity('ALERT_RULE_UPDATED') },
        schema: {
          tags,
          description:
            'Changes any subset of the fields; `condition` fields are merged into the rule’s condition (its `type` stays). Disabling a rule resolves its firing alerts without notifying. `notify.webhook_url: null` removes the webhook and its key.',
          params: RuleIdParams,
          body: UpdateAlertRuleBody,
          response: { 200: AlertRuleSchema },
        },
      },
      async (request) =>
        rules.update(request.params.id, request.body, (action) => audit(activityService, request, action)),
    );

    for (const [verb, enabled] of [
      ['enable', true],
      ['disable', false],
    ] as const) {
      app.post(
        `/alerts/rules/:id/${verb}`,
        {
          config: { ...write, activity: activity('ALERT_RULE_UPDATED') },
          schema: { tags, params: RuleIdParams, response: { 200: AlertRuleSchema } },
        },
        async (request) =>
          rules.update(request.params.id, { enabled }, (action) => audit(activityService, request, action)),
      );
    }

    app.delete(
      '/alerts/rules/:id',
      {
        config: { ...write, activity: activity('ALERT_RULE_DELETED') },
        schema: {
          tags,
          description:
            'Deletes a rule made here and resolves its firing alerts; its alerts stay in the history. Built-in rules cannot be deleted (409 `ERR_ALERT_RULE_BUILTIN`); disable them.',
          params: RuleIdParams,
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await rules.delete(request.params.id, (action) => audit(activityService, request, action));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/alerts',
      {
        config: readAlerts,
        schema: {
          tags,
          description: 'Fired alerts, newest first: the history, firing and resolved.',
          querystring: AlertListQuery,
          response: { 200: AlertPage },
        },
      },
      async (request) => {
        const { limit, cursor, state, severity, rule_id, from, to } = request.query;
        if (from && to && Date.parse(from) >= Date.parse(to)) {
          throw validationError([{ field: 'to', message: 'must be after from' }]);
        }
        return alerts.list(
          {
            ...(state && { state }),
            ...(severity && { severity }),
            ...(rule_id && { ruleId: rule_id }),
            ...(from && { from: new Date(from).toISOString() }),
            ...(to && { to: new Date(to).toISOString() }),
          },
          limit,
          decodeCursor(cursor),
        );
      },
    );

    app.post(
      '/alerts/:id/acknowledge',
      {
        // Whoever watches the alerts (they need logs:read to see them) and may act on configuration.
        config: {
          access: { auth: 'admin', permission: ['logs:read', 'settings:write'] },
          activity: { action: 'ALERT_ACKNOWLEDGED', resource_type: 'alert' },
        },
        schema: {
          tags,
          description:
            'Records who is handling the alert. Bookkeeping only: it still resolves by itself and notifies. A second acknowledgement is 409 `ERR_CONFLICT`.',
          params: AlertIdParams,
          response: { 200: AlertViewSchema },
        },
      },
      async (request) =>
        alerts.acknowledge(
          request.params.id,
          (action) => audit(activityService, request, action),
          actorName(requirePrincipal(request.principal)),
        ),
    );

    app.get(
      '/alerts/:id',
      {
        config: readAlerts,
        schema: {
          tags,
          description: 'One alert with every notification sent about it (attempts and results).',
          params: AlertIdParams,
          response: { 200: AlertDetailSchema },
        },
      },
      async (request) => alerts.get(request.params.id),
    );
  };
}
