import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { actorName, requirePrincipal } from '../access/principal.js';
import { decodeCursor, PaginationQuery } from '../http/pagination.js';
import type { ActivityAction, ActivityResourceType } from '../logging/activity-actions.js';
import { audit } from '../logging/activity.hooks.js';
import type { Services } from '../services.js';
import {
  AllowlistEntry,
  AllowlistPage,
  CreateAllowlistBody,
  CreateRuleBody,
  IdParams,
  RateLimitSettingsSchema,
  RateLimitsPatchSchema,
  RuleListQuery,
  SecurityRule,
  SecurityRulePage,
} from './security.schemas.js';

const tags = ['security'];
const read = { access: { auth: 'admin', permission: 'security:read' } } as const;
const write = { access: { auth: 'admin', permission: 'security:write' } } as const;
const activity = (action: ActivityAction, resource_type: ActivityResourceType) => ({ action, resource_type });

export function securityRoutes(services: Services) {
  const { securityRules: rules, activity: activityService } = services;
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/security/rules',
      {
        config: read,
        schema: {
          tags,
          description:
            'Rules in force, newest first; `include_expired=true` adds expired ones. Lifted (deleted) rules are not listed.',
          querystring: RuleListQuery,
          response: { 200: SecurityRulePage },
        },
      },
      async (request) => {
        const { limit, cursor, type, source, include_expired } = request.query;
        return rules.listRules(
          { ...(type && { type }), ...(source && { source }), includeExpired: include_expired },
          limit,
          decodeCursor(cursor),
        );
      },
    );

    app.post(
      '/security/rules',
      {
        config: { ...write, activity: activity('SECURITY_RULE_CREATED', 'security_rule') },
        schema: {
          tags,
          description:
            '`ip`: an address or CIDR range, IPv4 or IPv6 (host bits must be zero). `country`: an ISO 3166-1 alpha-2 code. `user_agent`: text found anywhere in the User-Agent header, ignoring case (3–200 characters, not a pattern). `api_key`: an API key id. `fingerprint` rules come from automatic bans only. `expires_at` must be in the future.',
          body: CreateRuleBody,
          response: { 201: SecurityRule },
        },
      },
      async (request, reply) => {
        const by = actorName(requirePrincipal(request.principal));
        const rule = await rules.createRule(
          request.body,
          (action) => audit(activityService, request, action),
          by,
        );
        return reply.code(201).send(rule);
      },
    );

    app.get(
      '/security/rules/:id',
      { config: read, schema: { tags, params: IdParams, response: { 200: SecurityRule } } },
      async (request) => rules.getRule(request.params.id),
    );

    app.delete(
      '/security/rules/:id',
      {
        config: { ...write, activity: activity('SECURITY_RULE_DELETED', 'security_rule') },
        schema: {
          tags,
          description:
            'Lifts a rule or an automatic ban at once; it stays in the history (activity log, ban escalation).',
          params: IdParams,
          response: { 204: Type.Null() },
        },
      },
      async (request, reply) => {
        await rules.deleteRule(request.params.id, (action) => audit(activityService, request, action));
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/security/allowlist',
      { config: read, schema: { tags, querystring: PaginationQuery, response: { 200: AllowlistPage } } },
      async (request) => rules.listAllowlist(request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.post(
      '/security/allowlist',
      {
        config: { ...write, activity: activity('ALLOWLIST_ENTRY_ADDED', 'allowlist_entry') },
        schema: {
          tags,
          description:
            'An address or CIDR range no rule, rate limit or automatic ban applies to. Host bits must be zero.',
          body: CreateAllowlistBody,
          response: { 201: AllowlistEntry },
        },
      },
      async (request, reply) => {
        const by = actorName(requirePrincipal(request.principal));
        const entry = await rules.addAllowlistEntry(
          request.body,
          (action) => audit(activityService, request, action),
          by,
        );
        return reply.code(201).send(entry);
      },
    );

    app.delete(
      '/security/allowlist/:id',
      {
        config: { ...write, activity: activity('ALLOWLIST_ENTRY_REMOVED', 'allowlist_entry') },
        schema: { tags, params: IdParams, response: { 204: Type.Null() } },
      },
      async (request, reply) => {
        await rules.removeAllowlistEntry(request.params.id, (action) =>
          audit(activityService, request, action),
        );
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/security/rate-limits',
      { config: read, schema: { tags, response: { 200: RateLimitSettingsSchema } } },
      async () => rules.getRateLimits(),
    );

    app.put(
      '/security/rate-limits',
      {
        config: { ...write, activity: activity('RATE_LIMITS_UPDATED', 'settings') },
        schema: {
          tags,
          description:
            'Changes any subset of the limits (inside each limit too); the rest keep their values. A bad value is 422 and changes nothing. Applies to the next request.',
          body: RateLimitsPatchSchema,
          response: { 200: RateLimitSettingsSchema },
        },
      },
      async (request) =>
        rules.updateRateLimits(
          request.body,
          (action) => audit(activityService, request, action),
          actorName(requirePrincipal(request.principal)),
        ),
    );
  };
}
