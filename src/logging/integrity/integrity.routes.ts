import { Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activityContext } from '../activity.hooks.js';
import type { ActivityService } from '../activity.service.js';
import type { LogIntegrity } from './log-integrity.js';
import { CheckpointListQuery, CheckpointPage } from './integrity.schemas.js';

const tags = ['logs'];
const config = {
  access: { auth: 'admin', permission: 'logs:read' },
  activity: { action: 'LOG_CHECKPOINTS_EXPORTED', resource_type: 'logs' },
} as const;
const FileText = Type.Unsafe<Readable>({ type: 'string' });

/** `/logs/integrity/checkpoints` and `/logs/integrity/public-key`: what an auditor verifies offline with. */
export function integrityRoutes(integrity: LogIntegrity, activity: ActivityService) {
  const record = (request: FastifyRequest, query: CheckpointListQuery) => {
    const { cursor: _cursor, limit: _limit, ...filters } = query;
    return activity.record(
      activityContext(request),
      {
        action_type: 'LOG_CHECKPOINTS_EXPORTED',
        resource_type: 'logs',
        resource: 'log checkpoints',
        details: { filters },
      },
      async () => {},
    );
  };

  return async function (app: FastifyInstance): Promise<void> {
    app.get(
      '/logs/integrity/checkpoints',
      {
        config,
        schema: {
          tags,
          description:
            'The signed checkpoints of the logs’ hash chains, by log and newest first, cursor-paginated; ' +
            '`format=ndjson` streams every matching one as a file to keep elsewhere (WORM storage, an ' +
            'auditor) and verify with `keymanager logs verify --checkpoints`. Needs `logs:read`; recorded ' +
            'in the activity log.',
          querystring: CheckpointListQuery,
          produces: ['application/json', 'application/x-ndjson'],
          response: {
            200: {
              description: 'A page of checkpoints, or with `format=ndjson` all of them',
              content: {
                'application/json': { schema: CheckpointPage },
                'application/x-ndjson': { schema: FileText },
              },
            },
          },
        },
      },
      async (request, reply) => {
        const query = request.query as CheckpointListQuery;
        const filters = {
          ...(query.log && { log: query.log }),
          ...(query.from && { from: query.from }),
          ...(query.to && { to: query.to }),
        };
        if (query.format !== 'ndjson') {
          const page = await integrity.service.list({
            ...filters,
            limit: query.limit,
            ...(query.cursor !== undefined && { cursor: query.cursor }),
          });
          await record(request, query);
          return reply.type('application/json; charset=utf-8').send(page);
        }
        const all = integrity.service.all(filters);
        // The first read happens here, so a bad range fails before any header is sent.
        const first = await all.next();
        await record(request, query);
        async function* lines() {
          if (!first.done) yield JSON.stringify(first.value) + '\n';
          for await (const checkpoint of all) yield JSON.stringify(checkpoint) + '\n';
        }
        return reply
          .type('application/x-ndjson; charset=utf-8')
          .header('content-disposition', 'attachment; filename="keymanager-log-checkpoints.ndjson"')
          .send(Readable.from(lines()));
      },
    );

    app.get(
      '/logs/integrity/public-key',
      {
        config: { access: config.access },
        schema: {
          tags,
          description:
            'The Ed25519 public key (PEM, SPKI) the checkpoints are signed with, for `keymanager logs ' +
            'verify --public-key`. Needs `logs:read`.',
          produces: ['application/x-pem-file'],
          response: {
            200: {
              description: 'The public key',
              content: { 'application/x-pem-file': { schema: Type.String() } },
            },
          },
        },
      },
      async (_request, reply) => reply.type('application/x-pem-file').send(integrity.key.publicKeyPem),
    );
  };
}
