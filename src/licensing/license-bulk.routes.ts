import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { stringify } from 'csv-stringify';
import type { FastifyInstance } from 'fastify';
import { audit } from '../logging/activity.hooks.js';
import type { ActivityService } from '../logging/activity.service.js';
import type { LicenseBulkService } from './license-bulk.service.js';
import { ExportQuery, License } from './license.schemas.js';

const tags = ['licenses'];
const EXPORT_COLUMNS = [
  'id',
  'key',
  'product_id',
  'customer_id',
  'status',
  'max_activations',
  'activations_used',
  'expires_at',
  'features',
  'metadata',
  'created_at',
] as const;

const ImportResponse = Type.Object({ imported: Type.Integer(), licenses: Type.Array(License) });

function isCsv(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'text/csv';
}

/**
 * Import and export live in their own plugin so the CSV body parser applies to the import route
 * alone: every other route still answers `text/csv` with 400 like any wrong content type.
 */
// Documented as CSV text; the handler streams it rather than building one string.
const CsvStream = Type.Unsafe<Readable>({ type: 'string' });

export function licenseBulkRoutes(bulk: LicenseBulkService, activity: ActivityService) {
  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
    app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

    app.post(
      '/licenses/import',
      {
        config: {
          access: { auth: 'admin', permission: 'licenses:import' },
          activity: { action: 'LICENSES_IMPORTED', resource_type: 'license' },
        },
        schema: {
          tags,
          description:
            'Imports licences from `{"licenses": [...]}` (application/json) or a CSV file (text/csv) with a header row and the columns product_id, customer_id, key, max_activations, expires_at, features, metadata. All rows are checked first; any bad row rejects the whole file with 422 ERR_IMPORT_INVALID and details [{row, field, message}].',
          response: { 201: ImportResponse },
        },
      },
      async (request, reply) => {
        const format = isCsv(request.headers['content-type']) ? 'csv' : 'json';
        const result = await audit(activity, request, (tx, entry) =>
          bulk.import(format, request.body, tx, entry),
        );
        return reply.code(201).send(result);
      },
    );

    app.get(
      '/licenses/export',
      {
        config: {
          access: { auth: 'admin', permission: 'licenses:export' },
          activity: { action: 'LICENSES_EXPORTED', resource_type: 'license' },
        },
        schema: {
          tags,
          description:
            'CSV of the licences matching the list filters, newest first. features and metadata are JSON cells; an empty max_activations means unlimited. Keys are exported in full: this export is for admins holding licenses:export.',
          querystring: ExportQuery,
          produces: ['text/csv'],
          response: {
            200: { description: 'CSV with a header row', content: { 'text/csv': { schema: CsvStream } } },
          },
        },
      },
      async (request, reply) => {
        // Recorded when the export starts: what was asked for, by whom; the rows follow as a stream.
        await audit(activity, request, async () => {}, {
          details: { filters: request.query, format: 'csv' },
        });
        const csv = stringify({ header: true, columns: [...EXPORT_COLUMNS] });
        const records = Readable.from(
          (async function* () {
            for await (const license of bulk.exportRows(request.query)) {
              yield {
                ...license,
                features: JSON.stringify(license.features),
                metadata: JSON.stringify(license.metadata),
              };
            }
          })(),
        );
        pipeline(records, csv).catch((error: unknown) => request.log.error({ err: error }, 'export failed'));
        return reply
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="licenses.csv"')
          .send(csv);
      },
    );
  };
}
