import type { Static, TArray, TObject, TSchema } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Page } from '../http/pagination.js';
import { activityContext } from './activity.hooks.js';
import type { ActivityService } from './activity.service.js';
import type { LogQueryService } from './log-query.service.js';
import { ApiCallPage, BlockedPage, FailedApiCallPage, LogQuery } from './log.schemas.js';

const tags = ['logs'];
const config = {
  access: { auth: 'admin', permission: 'logs:read' },
  activity: { action: 'LOGS_SEARCHED', resource_type: 'logs' },
} as const;
const EXPORT_PAGE = 200;

/** The export is text, one JSON object a line; it bypasses the page schema's serializer. */
function sendNdjson(reply: FastifyReply, body: string): FastifyReply {
  return reply.type('application/x-ndjson; charset=utf-8').send(body);
}

/** `?format=ndjson`: every matching entry, newest first, one JSON object a line (JSON escapes CR/LF). */
async function exportNdjson<T>(
  query: LogQuery,
  list: (query: LogQuery) => Promise<Page<T>>,
): Promise<string> {
  const lines: string[] = [];
  let cursor: string | undefined = query.cursor;
  do {
    const page: Page<T> = await list({ ...query, limit: EXPORT_PAGE, cursor });
    for (const entry of page.data) lines.push(JSON.stringify(entry));
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return lines.length ? lines.join('\n') + '\n' : '';
}

export function logRoutes(logs: LogQueryService, activity: ActivityService) {
  /**
   * Reading the logs is itself admin activity: who searched or exported which log, with which
   * filters. The search runs first (it reads outside any transaction); a refused or failed search is
   * recorded by the activity error hook.
   */
  async function searched<T>(request: FastifyRequest, log: string, query: LogQuery, result: T): Promise<T> {
    const exported = query.format === 'ndjson';
    const { cursor: _cursor, ...filters } = query;
    await activity.record(
      activityContext(request),
      {
        action_type: exported ? 'LOGS_EXPORTED' : 'LOGS_SEARCHED',
        resource_type: 'logs',
        resource: `${log} log`,
        details: { log, filters },
      },
      async () => {},
    );
    return result;
  }

  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    function logRoute<Entry extends TSchema>(
      log: string,
      page: TObject<{ data: TArray<Entry>; next_cursor: TSchema }>,
      list: (query: LogQuery) => Promise<Page<Static<Entry>>>,
    ): void {
      app.get(
        `/logs/${log}`,
        { config, schema: { tags, querystring: LogQuery, response: { 200: page } } },
        async (request, reply) => {
          if (request.query.format !== 'ndjson') {
            return searched(request, log, request.query, await list(request.query));
          }
          const body = await searched(request, log, request.query, await exportNdjson(request.query, list));
          return sendNdjson(reply, body);
        },
      );
    }

    logRoute('api-calls', ApiCallPage, logs.apiCalls);
    logRoute('failed-api-calls', FailedApiCallPage, logs.failedApiCalls);
    logRoute('blocked', BlockedPage, logs.blocked);
  };
}
