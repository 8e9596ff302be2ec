import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { actorName, requirePrincipal } from '../../access/principal.js';
import { decodeCursor, PaginationQuery } from '../../http/pagination.js';
import type { ActivityAction } from '../activity-actions.js';
import { audit } from '../activity.hooks.js';
import type { ActivityService } from '../activity.service.js';
import type { SinkService } from './sink.service.js';
import {
  CreateSinkBody,
  LogSink,
  LogSinkPage,
  SinkIdParams,
  SinkTestResult,
  UpdateSinkBody,
} from './sink.schemas.js';

const tags = ['log sinks'];
const read = { access: { auth: 'admin', permission: 'settings:read' } } as const;
const write = { access: { auth: 'admin', permission: 'settings:write' } } as const;
const writing = (action: ActivityAction) => ({
  ...write,
  activity: { action, resource_type: 'log_sink' as const },
});

export function sinkRoutes(sinks: SinkService, activity: ActivityService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/log-sinks',
      {
        config: read,
        schema: {
          tags,
          description: 'Sinks that forward the logs to a SIEM, oldest first, each with its delivery health.',
          querystring: PaginationQuery,
          response: { 200: LogSinkPage },
        },
      },
      async (request) => sinks.list(request.query.limit, decodeCursor(request.query.cursor)),
    );

    app.post(
      '/log-sinks',
      {
        config: writing('LOG_SINK_CREATED'),
        schema: {
          tags,
          description:
            '`url`: `https://` or `http://` for `webhook`, `splunk-hec`, `elasticsearch` (ending in `/_bulk`) and `otlp`; `tcp://host:port` or `tls://host:port` for `syslog`. `secret`: the HMAC key of a `webhook` and the token of `splunk-hec` (both required), an API key for `elasticsearch`, a bearer token for `otlp`; `syslog` takes none. It is shown masked afterwards. `format`: `rfc5424` or `cef` for `syslog`. The sink receives the entries logged from its creation on.',
          body: CreateSinkBody,
          response: { 201: LogSink },
        },
      },
      async (request, reply) => {
        const by = actorName(requirePrincipal(request.principal));
        const sink = await sinks.create(request.body, (action) => audit(activity, request, action), by);
        return reply.code(201).send(sink);
      },
    );

    app.get(
      '/log-sinks/:id',
      { config: read, schema: { tags, params: SinkIdParams, response: { 200: LogSink } } },
      async (request) => sinks.get(request.params.id),
    );

    app.patch(
      '/log-sinks/:id',
      {
        config: writing('LOG_SINK_UPDATED'),
        schema: {
          tags,
          description:
            'Any subset of the fields but `type`. `secret: null` removes the secret; leaving it out keeps it. A log added starts at its newest entry; a log removed forgets its place.',
          params: SinkIdParams,
          body: UpdateSinkBody,
          response: { 200: LogSink },
        },
      },
      async (request) =>
        sinks.update(request.params.id, request.body, (action) => audit(activity, request, action)),
    );

    app.delete(
      '/log-sinks/:id',
      {
        config: writing('LOG_SINK_DELETED'),
        schema: { tags, params: SinkIdParams, response: { 204: Type.Null() } },
      },
      async (request, reply) => {
        await sinks.delete(request.params.id, (action) => audit(activity, request, action));
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/log-sinks/:id/resume',
      {
        config: writing('LOG_SINK_RESUMED'),
        schema: {
          tags,
          description:
            'Delivery starts again at once from where the sink stopped: a dead-lettered sink receives everything it missed. `409` when the sink is delivering.',
          params: SinkIdParams,
          response: { 200: LogSink },
        },
      },
      async (request) => sinks.resume(request.params.id, (action) => audit(activity, request, action)),
    );

    app.post(
      '/log-sinks/:id/test',
      {
        config: writing('LOG_SINK_TESTED'),
        schema: {
          tags,
          description:
            "Sends one made-up activity entry (`seq` 0, action `LOG_SINK_TESTED`) as a delivery would and tells whether the receiver took it. The sink's cursor and health do not change.",
          params: SinkIdParams,
          response: { 200: SinkTestResult },
        },
      },
      async (request) => {
        const by = actorName(requirePrincipal(request.principal));
        return sinks.test(request.params.id, (action) => audit(activity, request, action), by);
      },
    );
  };
}
