import type { Readable } from 'node:stream';
import { Type, type TObject } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { activityContext } from './activity.hooks.js';
import type { ActivityService } from './activity.service.js';
import { CONTENT_TYPES, exportStream } from './log-export.js';
import type { LogQueryService } from './log-query.service.js';
import { logReaders, readActivity, type LogReader, type ReadQuery } from './log-readers.js';

const tags = ['logs'];
export const LOG_READ_ACTIVITY = { action: 'LOGS_SEARCHED', resource_type: 'logs' } as const;
const config = {
  access: { auth: 'admin', permission: 'logs:read' },
  activity: LOG_READ_ACTIVITY,
  searchTerms: true,
} as const;

// Documented as text; the handler streams it rather than building one string.
const FileText = Type.Unsafe<Readable>({ type: 'string' });

const DESCRIPTION =
  'Newest first, cursor-paginated. `format=csv` or `format=ndjson` streams every matching entry as a ' +
  'file instead of a page. CSV: RFC 4180, a header row with the entry fields in this order, nested ' +
  "values as JSON text, and a `'` put before any cell starting with =, +, -, @, tab or CR so that a " +
  'spreadsheet cannot run it as a formula. Needs `logs:read`; every search and export is recorded in ' +
  'the activity log.';

/** A log read's OpenAPI schema: one page as JSON, or the whole export as CSV or NDJSON. */
export function readSchema(reader: LogReader, description: string, params?: TObject) {
  return {
    tags,
    description,
    ...(params && { params }),
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
  };
}

/**
 * Answers a read with a page or an export, and records it once the first page is read (a refused or
 * failed read goes through the error hook). `recorded` is the query as the activity entry names it.
 */
export async function sendRead(
  activity: ActivityService,
  request: FastifyRequest,
  reply: FastifyReply,
  reader: LogReader,
  recorded: ReadQuery = request.query as ReadQuery,
): Promise<FastifyReply> {
  const query = request.query as ReadQuery;
  const record = () =>
    activity.record(activityContext(request), readActivity(reader.name, recorded), async () => {});
  const format = query.format;
  if (format !== 'csv' && format !== 'ndjson') {
    const page = await reader.list(query);
    await record();
    return reply.type('application/json; charset=utf-8').send(page);
  }
  const stream = await exportStream(format, reader.columns, reader.list, query);
  await record();
  return reply
    .type(CONTENT_TYPES[format])
    .header('content-disposition', `attachment; filename="keymanager-${reader.name}-log.${format}"`)
    .send(stream);
}

export function logRoutes(logs: LogQueryService, activity: ActivityService) {
  const readers = logReaders(activity.query, logs);
  return async function (app: FastifyInstance): Promise<void> {
    for (const reader of Object.values(readers)) {
      app.get(
        `/logs/${reader.name}`,
        { config, schema: readSchema(reader, DESCRIPTION) },
        async (request, reply) => sendRead(activity, request, reply, reader),
      );
    }
  };
}
