import { Type, type Static } from '@sinclair/typebox';
import { PaginationQuery, pageOf } from '../http/pagination.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const NullableInt = Type.Union([Type.Integer(), Type.Null()]);
const NullableString = Nullable(Type.String());

export const LogQuery = Type.Object(
  {
    ...PaginationQuery.properties,
    from: Type.Optional(Type.String({ format: 'date-time' })),
    to: Type.Optional(Type.String({ format: 'date-time' })),
    format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('ndjson')])),
  },
  { additionalProperties: false },
);
export type LogQuery = Static<typeof LogQuery>;

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

export const ApiCallPage = pageOf(ApiCallEntry);
export const FailedApiCallPage = pageOf(FailedApiCallEntry);
export const BlockedPage = pageOf(BlockedEntry);
