import type { Static, TSchema } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { activityContext } from '../activity.hooks.js';
import type { ActivityService } from '../activity.service.js';
import type { AnalysedLog, AnalyticsService } from './analytics.service.js';
import {
  ApiCallTimeseriesQuery,
  ApiCallTopQuery,
  AuthFailures,
  BlockedTimeseriesQuery,
  BlockedTopQuery,
  EndpointStats,
  LatencySeries,
  LatencySeriesQuery,
  Summary,
  Timeseries,
  TopValues,
  WindowQuery,
  type TimeseriesQuery,
  type TopQuery,
} from './analytics.schemas.js';

const tags = ['logs'];
const config = {
  access: { auth: 'admin', permission: 'logs:read' },
  activity: { action: 'LOGS_SEARCHED', resource_type: 'logs' },
  searchTerms: true,
} as const;

const WINDOW_NOTE =
  ' The window is `from` (inclusive) to `to` (exclusive), by default the last 24 hours. Needs `logs:read`;' +
  ' recorded in the activity log like a search.';

interface Route {
  path: string;
  description: string;
  query: TSchema;
  response: TSchema;
  answer: (query: never) => Promise<unknown>;
}

function routesOf(log: AnalysedLog, analytics: AnalyticsService): Route[] {
  const api = log !== 'blocked';
  const routes: Route[] = [
    {
      path: 'timeseries',
      description:
        'Entries per bucket (minute, hour or day, UTC), every bucket of the window listed, with filters.',
      query: api ? ApiCallTimeseriesQuery : BlockedTimeseriesQuery,
      response: Timeseries,
      answer: (q: TimeseriesQuery) => analytics.timeseries(log, q),
    },
    {
      path: 'top',
      description:
        'The most frequent values of a field with their counts. Error codes and block reasons are exact; ' +
        'addresses, licence keys (masked) and user agents are exact for the last hours and otherwise ' +
        'lower bounds that fall short by at most `max_error`.',
      query: api ? ApiCallTopQuery : BlockedTopQuery,
      response: TopValues,
      answer: (q: TopQuery) => analytics.top(log, q),
    },
    {
      path: 'summary',
      description:
        'Entries, failures, success rate and unique addresses (HyperLogLog beyond the last hours: about 1.6 % standard error).',
      query: WindowQuery,
      response: Summary,
      answer: (q: WindowQuery) => analytics.summary(log, q),
    },
  ];
  if (api) {
    routes.push({
      path: 'endpoints',
      description:
        'Per endpoint: calls, failures, success rate and p50/p95/p99 response times (within 9 %: fixed log-scale buckets).',
      query: WindowQuery,
      response: EndpointStats,
      answer: (q: WindowQuery) => analytics.endpoints(log, q),
    });
    routes.push({
      path: 'latency',
      description:
        'Per bucket (minute, hour or day, UTC): calls and p50/p95/p99 response times (within 9 %: fixed ' +
        'log-scale buckets), of one endpoint or of all; null percentiles for a bucket without calls.',
      query: LatencySeriesQuery,
      response: LatencySeries,
      answer: (q: Static<typeof LatencySeriesQuery>) => analytics.latencySeries(log, q),
    });
  }
  if (log === 'api-calls') {
    routes.push({
      path: 'auth-failures',
      description:
        'The share of calls refused for their credentials (401, and 403 ERR_INSUFFICIENT_SCOPE), by code.',
      query: WindowQuery,
      response: AuthFailures,
      answer: (q: WindowQuery) => analytics.authFailures(q),
    });
  }
  return routes;
}

/** The logs' analytics: `/logs/{log}/analytics/{timeseries,top,summary,endpoints,latency,auth-failures}`. */
export function analyticsRoutes(analytics: AnalyticsService, activity: ActivityService) {
  async function recordRead(request: FastifyRequest, log: AnalysedLog, kind: string): Promise<void> {
    await activity.record(
      activityContext(request),
      {
        action_type: 'LOGS_SEARCHED',
        resource_type: 'logs',
        resource: `${log} log`,
        details: { log, analytics: kind, filters: request.query as Record<string, unknown> },
      },
      async () => {},
    );
  }

  return async function (app: FastifyInstance): Promise<void> {
    for (const log of ['api-calls', 'failed-api-calls', 'blocked'] as const) {
      for (const route of routesOf(log, analytics)) {
        app.get(
          `/logs/${log}/analytics/${route.path}`,
          {
            config,
            schema: {
              tags,
              description: route.description + WINDOW_NOTE,
              querystring: route.query,
              response: { 200: route.response },
            },
          },
          async (request) => {
            const answer = await route.answer(request.query as never);
            await recordRead(request, log, route.path);
            return answer;
          },
        );
      }
    }
  };
}
