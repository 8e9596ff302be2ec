import { Type, type TObject } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Permission } from '../access/permissions.js';
import type { ActivityService } from './activity.service.js';
import type { LogQueryService } from './log-query.service.js';
import { checkRange, logReaders, type ReadQuery } from './log-readers.js';
import { LOG_READ_ACTIVITY, readSchema, sendRead } from './log.routes.js';
import type { ApiCallLogQuery } from './request-log.schemas.js';
import { CustomerApiCallQuery, LicenseApiCallQuery } from './request-log.schemas.js';

const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

interface History {
  resource: 'customers' | 'licenses';
  /** The filter the path stands for, as the activity entry of the read records it. */
  filter: 'customer_id' | 'license_id';
  query: TObject;
  list: (id: string, query: ApiCallLogQuery) => ReturnType<LogQueryService['apiCalls']>;
  description: string;
}

/**
 * A customer's or a licence's API history in one call: the API-call log's search with the path's
 * filter, every call that presented the licence's key (or one of the customer's keys), whatever its
 * outcome. Needs `logs:read` and the resource's own read permission; an unknown id is a 404.
 */
export function apiCallHistoryRoutes(logs: LogQueryService, activity: ActivityService) {
  const apiCalls = logReaders(activity.query, logs)['api-calls'];
  const histories: History[] = [
    {
      resource: 'customers',
      filter: 'customer_id',
      query: CustomerApiCallQuery,
      list: logs.customerApiCalls,
      description:
        "The customer's API history: every call that presented a key of one of its licences, newest " +
        'first, with the filters and exports of `GET /api/v1/logs/api-calls`. Needs `logs:read` and ' +
        '`customers:read`; recorded in the activity log like any log search.',
    },
    {
      resource: 'licenses',
      filter: 'license_id',
      query: LicenseApiCallQuery,
      list: logs.licenseApiCalls,
      description:
        "The licence's API history: every call that presented its key, newest first, with the filters " +
        'and exports of `GET /api/v1/logs/api-calls`. Needs `logs:read` and `licenses:read`; recorded ' +
        'in the activity log like any log search.',
    },
  ];
  return async function (app: FastifyInstance): Promise<void> {
    for (const history of histories) {
      const permission: Permission[] = ['logs:read', `${history.resource}:read`];
      app.get(
        `/${history.resource}/:id/api-calls`,
        {
          config: { access: { auth: 'admin', permission }, activity: LOG_READ_ACTIVITY, searchTerms: true },
          schema: readSchema({ ...apiCalls, query: history.query }, history.description, IdParams),
        },
        async (request, reply) => {
          const { id } = request.params as { id: string };
          const reader = {
            ...apiCalls,
            list: async (query: ReadQuery) => {
              checkRange(query);
              return history.list(id, query as ApiCallLogQuery);
            },
          };
          const recorded = { ...(request.query as ReadQuery), [history.filter]: id };
          return sendRead(activity, request, reply, reader, recorded);
        },
      );
    }
  };
}
