import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { pageOf } from '../../http/pagination.js';
import { ACTIVITY_ACTIONS } from '../activity-actions.js';
import { BLOCK_REASONS, METHOD_CODES } from '../log-entry.js';
import { SINK_LOGS, SINK_STATES, SINK_TYPES, STATUS_CLASSES } from './sink-types.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((value) => Type.Literal(value)));
const list = <T extends TSchema>(item: T) =>
  Type.Array(item, { minItems: 1, maxItems: 50, uniqueItems: true });

export const SinkIdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const SinkFiltersSchema = Type.Object(
  {
    status_classes: Type.Optional(list(literals(STATUS_CLASSES))),
    endpoints: Type.Optional(list(Type.String({ minLength: 1, maxLength: 200, pattern: '^/' }))),
    methods: Type.Optional(list(literals(METHOD_CODES.filter((m) => m !== 'OTHER')))),
    block_reasons: Type.Optional(list(literals(BLOCK_REASONS))),
    min_threat_score: Type.Optional(Type.Integer({ minimum: 0, maximum: 100 })),
    action_types: Type.Optional(list(literals(ACTIVITY_ACTIONS))),
    results: Type.Optional(list(literals(['pending', 'success', 'failure']))),
  },
  { additionalProperties: false },
);

const fields = {
  type: literals(SINK_TYPES),
  url: Type.String({ minLength: 1, maxLength: 2000 }),
  logs: list(literals(SINK_LOGS)),
  filters: SinkFiltersSchema,
  secret: Nullable(Type.String({ minLength: 16, maxLength: 500 })),
  format: Type.String({ minLength: 1, maxLength: 20 }),
  enabled: Type.Boolean(),
};

/** Per-type checks (the URL's scheme, the format, the secret) are in sink-input.ts. */
export const CreateSinkBody = Type.Object(
  {
    type: fields.type,
    url: fields.url,
    logs: fields.logs,
    filters: Type.Optional(fields.filters),
    secret: Type.Optional(fields.secret),
    format: Type.Optional(fields.format),
    enabled: Type.Optional(fields.enabled),
  },
  { additionalProperties: false },
);
export type CreateSinkBody = Static<typeof CreateSinkBody>;

/** Any subset; `secret: null` removes it, an absent secret keeps it. The type never changes. */
export const UpdateSinkBody = Type.Object(
  {
    url: Type.Optional(fields.url),
    logs: Type.Optional(fields.logs),
    filters: Type.Optional(fields.filters),
    secret: Type.Optional(fields.secret),
    format: Type.Optional(fields.format),
    enabled: Type.Optional(fields.enabled),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateSinkBody = Static<typeof UpdateSinkBody>;

export const SinkHealth = Type.Object({
  state: literals(SINK_STATES),
  /** Entries of the sink's logs committed but not yet delivered (or passed over by its filters). */
  lag_entries: Type.Integer(),
  /** Age of the oldest entry not yet delivered; 0 when caught up. */
  lag_seconds: Type.Number(),
  delivered: Type.Integer(),
  retried: Type.Integer(),
  failing_since: Nullable(Type.String()),
  next_attempt_at: Nullable(Type.String()),
  last_error: Nullable(Type.String()),
  last_error_at: Nullable(Type.String()),
  last_delivery_at: Nullable(Type.String()),
});
export type SinkHealth = Static<typeof SinkHealth>;

export const LogSink = Type.Object({
  id: Type.String(),
  type: fields.type,
  url: Type.String(),
  logs: Type.Array(literals(SINK_LOGS)),
  filters: SinkFiltersSchema,
  format: Type.String(),
  /** Masked (`abc…xyz`) or null; the secret itself is never returned. */
  secret: Nullable(Type.String()),
  enabled: Type.Boolean(),
  created_by: Nullable(Type.String()),
  created_at: Type.String(),
  updated_at: Type.String(),
  health: SinkHealth,
});
export type LogSink = Static<typeof LogSink>;
export const LogSinkPage = pageOf(LogSink);

export const SinkTestResult = Type.Object({
  ok: Type.Boolean(),
  /** Why the test delivery failed, without any secret; null when it succeeded. */
  error: Nullable(Type.String()),
  duration_ms: Type.Number(),
});
export type SinkTestResult = Static<typeof SinkTestResult>;
