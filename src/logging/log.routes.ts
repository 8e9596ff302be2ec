import type { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activityContext } from './activity.hooks.js';
import type { ActivityService } from './activity.service.js';
import { CONTENT_TYPES, exportStream } from './log-export.js';
import type { LogQueryService } from './log-query.service.js';
import { logReaders, readActivity, type LogReader, type ReadQuery } from './log-readers.js';

const tags = ['logs'];
const config = {
  access: { auth: 'admin', permission: 'logs:read' },
  activity: { action: 'LOGS_SEARCHED', resource_type: 'logs' },
} as const;

// Documented as text; the handler streams it rather than building one string.
const FileText = Type.Unsafe<Readable>({ type: 'string' });

const DESCRIPTION =
  'Newest first, cursor-paginated. `format=csv` or `format=ndjson` streams every matching entry as a ' +
  'file instead of a page. CSV: RFC 4180, a header row with the entry fields in this order, nested ' +
  "values as JSON text, and a `'` put before any cell starting with =, +, -, @, tab or CR so that a " +
  'spreadsheet cannot run it as a formula. Needs `logs:read`; every search and export is recorded in ' +
  'the activity log.';

export function logRoutes(logs: LogQueryService, activity: ActivityService) {
  const readers = logReaders(activity.query, logs);

  /** Recorded once the first page is read: a refused or failed read goes through the error hook. */
  async function recordRead(request: FastifyRequest, reader: LogReader, query: ReadQuery): Promise<void> {
    await activity.record(activityContext(request), readActivity(reader.name, query), async () => {});
  }

  return async function (app: FastifyInstance): Promise<void> {
    for (const reader of Object.values(readers)) {
      app.get(
        `/logs/${reader.name}`,
        {
          config,
          schema: {
            tags,
            description: DESCRIPTION,
            querystring: reader.query,
            produces: ['application/json', 'text/csv', 'application/x-ndjson'],
            response: {
              200: {
                description: 'A page of entries, or with `format` the whole export',
                content: {
                  'application/json': { schema: reader.page },
                  'text/csv': { schema: FileText },
                  'application/x-ndjson': { schema: FileText },
                },
              },
            },
          },
        },
        async (request, reply) => {
          const query = request.query as ReadQuery;
          const format = query.format;
          if (format !== 'csv' && format !== 'ndjson') {
            const page = await reader.list(query);
            await recordRead(request, reader, query);
            return reply.type('application/json; charset=utf-8').send(page);
          }
          const stream = await exportStream(format, reader.columns, reader.list, query);
          await recordRead(request, reader, query);
          return reply
            .type(CONTENT_TYPES[format])
            .header('content-disposition', `attachment; filename="keymanager-${reader.name}-log.${format}"`)
            .send(stream);
        },
      );
    }
  };
}
