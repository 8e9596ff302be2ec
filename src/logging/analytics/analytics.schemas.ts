import { Type, type Static, type TObject } from '@sinclair/typebox';
import { BLOCK_REASONS, CHANNELS, METHOD_CODES } from '../log-entry.js';

const OneOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description && { description }) });

const Window = {
  from: Type.Optional(
    Type.String({ format: 'date-time', description: 'Start (inclusive). Default: 24 hours before `to`.' }),
  ),
  to: Type.Optional(Type.String({ format: 'date-time', description: 'End (exclusive). Default: now.' })),
};

const Bucket = Type.Optional(
  OneOf(
    ['minute', 'hour', 'day'] as const,
    'Bucket length (default `hour`); buckets start on UTC boundaries.',
  ),
);
const Method = Type.Optional(OneOf(METHOD_CODES.filter((m) => m !== 'OTHER')));
const ApiCallFilters = {
  endpoint: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'A route pattern.' })),
  method: Method,
  status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599 })),
  status_class: Type.Optional(OneOf(['2xx', '3xx', '4xx', '5xx'] as const)),
  error_code: Type.Optional(Type.String({ pattern: '^ERR_[A-Z0-9_]{1,60}$' })),
  channel: Type.Optional(OneOf(CHANNELS)),
};
const BlockedFilters = {
  block_reason: Type.Optional(OneOf(BLOCK_REASONS)),
  method: Method,
};
const Limit = Type.Integer({ minimum: 1, maximum: 100, default: 10 });
const closed = <T extends Parameters<typeof Type.Object>[0]>(properties: T) =>
  Type.Object(properties, { additionalProperties: false });

export const ApiCallTimeseriesQuery = closed({ ...Window, bucket: Bucket, ...ApiCallFilters });
export const BlockedTimeseriesQuery = closed({ ...Window, bucket: Bucket, ...BlockedFilters });
export const WindowQuery = closed({ ...Window });
export const LatencySeriesQuery = closed({ ...Window, bucket: Bucket, endpoint: ApiCallFilters.endpoint });
export const API_CALL_TOP = ['error_code', 'ip', 'license_key', 'user_agent'] as const;
export const BLOCKED_TOP = ['block_reason', 'ip', 'user_agent'] as const;
export const ApiCallTopQuery = closed({ ...Window, by: OneOf(API_CALL_TOP), limit: Limit });
export const BlockedTopQuery = closed({ ...Window, by: OneOf(BLOCKED_TOP), limit: Limit });

export type TimeseriesQuery = Static<typeof ApiCallTimeseriesQuery> & Static<typeof BlockedTimeseriesQuery>;
export type TopQuery = {
  from?: string;
  to?: string;
  by: (typeof API_CALL_TOP | typeof BLOCKED_TOP)[number];
  limit: number;
};
export type WindowQuery = Static<typeof WindowQuery>;
export type LatencySeriesQuery = Static<typeof LatencySeriesQuery>;

const Range = { from: Type.String(), to: Type.String() };
const Rate = Type.Union([Type.Number(), Type.Null()], {
  description: 'A fraction in [0, 1]; null without calls.',
});
const Ms = Type.Union([Type.Number(), Type.Null()]);

export const Timeseries = Type.Object({
  ...Range,
  bucket: Type.String(),
  data: Type.Array(Type.Object({ start: Type.String(), count: Type.Integer() })),
});
export const EndpointStats = Type.Object({
  ...Range,
  data: Type.Array(
    Type.Object({
      endpoint: Type.Union([Type.String(), Type.Null()]),
      calls: Type.Integer(),
      failures: Type.Integer(),
      success_rate: Rate,
      p50_ms: Ms,
      p95_ms: Ms,
      p99_ms: Ms,
    }),
  ),
});
export const LatencySeries = Type.Object({
  ...Range,
  bucket: Type.String(),
  data: Type.Array(
    Type.Object({
      start: Type.String(),
      calls: Type.Integer(),
      p50_ms: Ms,
      p95_ms: Ms,
      p99_ms: Ms,
    }),
  ),
});
export const TopValues = Type.Object({
  ...Range,
  by: Type.String(),
  approximate: Type.Boolean(),
  max_error: Type.Integer({
    description: 'How much any count may fall short of the true count (0 when exact).',
  }),
  data: Type.Array(Type.Object({ value: Type.String(), count: Type.Integer() })),
});
export const Summary = Type.Object({
  ...Range,
  total: Type.Integer(),
  failures: Type.Integer(),
  success_rate: Rate,
  unique_ips: Type.Integer(),
  unique_ips_approximate: Type.Boolean(),
});
export const AuthFailures = Type.Object({
  ...Range,
  total: Type.Integer(),
  failures: Type.Integer(),
  rate: Rate,
  by_error_code: Type.Array(Type.Object({ error_code: Type.String(), count: Type.Integer() })),
});

export type Timeseries = Static<typeof Timeseries>;
export type EndpointStats = Static<typeof EndpointStats>;
export type LatencySeries = Static<typeof LatencySeries>;
export type TopValues = Static<typeof TopValues>;
export type Summary = Static<typeof Summary>;
export type AuthFailures = Static<typeof AuthFailures>;
export type AnyQuery = TObject;
