import { Type, type Static } from '@sinclair/typebox';

/**
 * Bounds: retention from 1 day to 3650 (ten years, longer than any common audit requirement); the
 * sample rate in (0, 1] (0 would be "off", which is what the toggle is for); up to 100 excluded route
 * patterns, each a path starting with `/` as Fastify writes it (`/api/v1/licenses/:id`).
 */
const RetentionDays = Type.Integer({ minimum: 1, maximum: 3650 });
/** Days after which addresses are truncated and user agents reduced; null keeps them as recorded. */
const AnonymizeAfterDays = Type.Union([Type.Integer({ minimum: 1, maximum: 3650 }), Type.Null()]);
const SampleRate = Type.Number({ exclusiveMinimum: 0, maximum: 1 });
const ExcludedEndpoints = Type.Array(
  Type.String({ minLength: 1, maxLength: 300, pattern: '^/[A-Za-z0-9._~:/*{}-]*$' }),
  { maxItems: 100, uniqueItems: true },
);

const retentionFields = {
  activity: RetentionDays,
  api_calls: RetentionDays,
  failed_api_calls: RetentionDays,
  blocked: RetentionDays,
};

const anonymizeFields = {
  activity: AnonymizeAfterDays,
  api_calls: AnonymizeAfterDays,
  failed_api_calls: AnonymizeAfterDays,
  blocked: AnonymizeAfterDays,
};

export const LoggingSettingsSchema = Type.Object(
  {
    log_dashboard_activities: Type.Boolean(),
    log_api_calls: Type.Boolean(),
    log_failed_api_calls: Type.Boolean(),
    log_blocklisted_api_calls: Type.Boolean(),
    api_call_sample_rate: SampleRate,
    excluded_endpoints: ExcludedEndpoints,
    retention_days: Type.Object(retentionFields, { additionalProperties: false }),
    anonymize_after_days: Type.Object(anonymizeFields, { additionalProperties: false }),
    require_mfa_for_log_access: Type.Boolean(),
  },
  { additionalProperties: false },
);

/** Any subset of the fields, `retention_days` included: what is left out keeps its value. */
export const LoggingSettingsPatch = Type.Object(
  {
    log_dashboard_activities: Type.Optional(Type.Boolean()),
    log_api_calls: Type.Optional(Type.Boolean()),
    log_failed_api_calls: Type.Optional(Type.Boolean()),
    log_blocklisted_api_calls: Type.Optional(Type.Boolean()),
    api_call_sample_rate: Type.Optional(SampleRate),
    excluded_endpoints: Type.Optional(ExcludedEndpoints),
    retention_days: Type.Optional(
      Type.Partial(Type.Object(retentionFields), { additionalProperties: false }),
    ),
    anonymize_after_days: Type.Optional(
      Type.Partial(Type.Object(anonymizeFields), { additionalProperties: false }),
    ),
    require_mfa_for_log_access: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type LoggingSettingsPatch = Static<typeof LoggingSettingsPatch>;
