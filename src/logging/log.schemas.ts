import { Type, type Static } from '@sinclair/typebox';
import { PaginationQuery, pageOf } from '../http/pagination.js';
import { ACTIVITY_ACTIONS, type ActivityAction } from './activity-actions.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const NullableString = Nullable(Type.String());

export const LogQuery = Type.Object(
  {
    ...PaginationQuery.properties,
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('ndjson'), Type.Literal('csv')], {
        description:
          '`json` (default): one page. `ndjson` or `csv`: every matching entry, newest first, streamed as a file.',
      }),
    ),
  },
  { additionalProperties: false },
);
export type LogQuery = Static<typeof LogQuery>;

/** A closed set as one JSON Schema `enum`: a bad value reads "must be equal to one of the allowed values". */
export const OneOf = <T extends string>(values: readonly T[], description?: string) =>
  Type.Unsafe<T>({ type: 'string', enum: [...values], ...(description && { description }) });

export const Text = (maxLength: number, description: string) =>
  Type.Optional(Type.String({ minLength: 1, maxLength, description }));

export const ActivityLogQuery = Type.Object(
  {
    ...LogQuery.properties,
    admin: Text(320, "The admin's email or the API key's name (exact), or an actor id (`adm_…`, `key_…`)."),
    action_type: Type.Optional(OneOf<ActivityAction>(ACTIVITY_ACTIONS)),
    resource: Text(200, 'A resource type (`license`, `customer`, …) or a resource id (`lic_…`).'),
    result: Type.Optional(OneOf(['pending', 'success', 'failure'] as const)),
    channel: Type.Optional(OneOf(['portal', 'api', 'cli'] as const)),
    ip: Text(64, 'An address (`203.0.113.7`, `2001:db8::1`) or a CIDR range (`203.0.113.0/24`).'),
    q: Text(200, 'Free text, case-insensitive, searched in `resource`, `details` and `admin_user`.'),
  },
  { additionalProperties: false },
);
export type ActivityLogQuery = Static<typeof ActivityLogQuery>;

/** In the contract's order; `actor_id`, an addition to the contract, comes last so CSV columns keep it. */
export const ActivityEntry = Type.Object({
  id: Type.String(),
  timestamp: Type.String(),
  admin_user: Type.String(),
  actor_type: Type.String(),
  channel: Type.String(),
  action_type: Type.String(),
  resource_type: Type.String(),
  resource_id: NullableString,
  resource: NullableString,
  details: Type.Record(Type.String(), Type.Unknown()),
  result: Type.String(),
  error_code: NullableString,
  ip: NullableString,
  session_id: NullableString,
  user_agent: NullableString,
  actor_id: NullableString,
});
export type ActivityEntry = Static<typeof ActivityEntry>;

export const ApiCallEntry = Type.Object({
  id: Type.String(),
  timestamp: Type.String(),
  endpoint: NullableString,
  path: Type.String(),
  method: Type.String(),
  status: Type.Integer(),
  response_time_ms: Type.Number(),
  ip: NullableString,
  api_key: NullableString,
  api_key_id: NullableString,
  request_size: Type.Integer(),
  response_size: Type.Integer(),
  user_agent: NullableString,
  license_key: NullableString,
  license_id: NullableString,
  customer_id: NullableString,
  product_id: NullableString,
  channel: Type.String(),
  direction: Type.String(),
});
export type ApiCallEntry = Static<typeof ApiCallEntry>;

export const FailedApiCallEntry = Type.Object({
  ...ApiCallEntry.properties,
  error_code: NullableString,
  error_message: NullableString,
  stack_trace: NullableString,
  validation_errors: Type.Union([
    Type.Array(Type.Object({ field: Type.String(), message: Type.String() })),
    Type.Null(),
  ]),
  retry_count: NullableInt,
  request_body: NullableString,
  request_body_truncated: Type.Union([Type.Boolean(), Type.Null()]),
});
export type FailedApiCallEntry = Static<typeof FailedApiCallEntry>;

export const BlockedEntry = Type.Object({
  id: Type.String(),
  timestamp: Type.String(),
  block_reason: Type.String(),
  rule_id: NullableString,
  ip: NullableString,
  method: Type.String(),
  path: NullableString,
  api_key: NullableString,
  user_agent: NullableString,
  country_code: NullableString,
  fingerprint: NullableString,
  threat_score: Type.Integer(),
  matched_location: NullableString,
});
export type BlockedEntry = Static<typeof BlockedEntry>;

export const ActivityPage = pageOf(ActivityEntry);
export const ApiCallPage = pageOf(ApiCallEntry);
export const FailedApiCallPage = pageOf(FailedApiCallEntry);
export const BlockedPage = pageOf(BlockedEntry);
