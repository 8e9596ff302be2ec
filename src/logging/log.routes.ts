import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Page } from '../http/pagination.js';
import type { LogQueryService } from './log-query.service.js';
import { ApiCallPage, BlockedPage, FailedApiCallPage, LogQuery } from './log.schemas.js';

const tags = ['logs'];
const config = { access: { auth: 'admin', permission: 'logs:read' } } as const;
const EXPORT_PAGE = 200;

/** `?format=ndjson`: every matching entry, newest first, one JSON object a line (JSON escapes CR/LF). */
async function exportNdjson<T>(
  reply: FastifyReply,
  query: LogQuery,
  list: (query: LogQuery) => Promise<Page<T>>,
): Promise<FastifyReply> {
  const lines: string[] = [];
  let cursor: string | undefined = query.cursor;
  do {
    const page: Page<T> = await list({ ...query, limit: EXPORT_PAGE, cursor });
    for (const entry of page.data) lines.push(JSON.stringify(entry));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return reply.type('application/x-ndjson; charset=utf-8').send(lines.length ? lines.join('\n') + '\n' : '');
}

export function logRoutes(logs: LogQueryService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/logs/api-calls',
      { config, schema: { tags, querystring: LogQuery, response: { 200: ApiCallPage } } },
      async (request, reply) =>
        request.query.format === 'ndjson'
          ? exportNdjson(reply, request.query, logs.apiCalls)
          : logs.apiCalls(request.query),
    );

    app.get(
      '/logs/failed-api-calls',
      { config, schema: { tags, querystring: LogQuery, response: { 200: FailedApiCallPage } } },
      async (request, reply) =>
        request.query.format === 'ndjson'
          ? exportNdjson(reply, request.query, logs.failedApiCalls)
          : logs.failedApiCalls(request.query),
    );

    app.get(
      '/logs/blocked',
      { config, schema: { tags, querystring: LogQuery, response: { 200: BlockedPage } } },
      async (request, reply) =>
        request.query.format === 'ndjson'
          ? exportNdjson(reply, request.query, logs.blocked)
          : logs.blocked(request.query),
    );
  };
}
