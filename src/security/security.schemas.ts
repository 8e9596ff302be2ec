import { Type, type Static } from '@sinclair/typebox';
import { PaginationQuery, pageOf } from '../http/pagination.js';
import { RULE_TYPES } from './security-types.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);
const Timestamp = Type.String({ format: 'date-time' });

export const RuleTypeSchema = Type.Union(RULE_TYPES.map((type) => Type.Literal(type)));
export const RuleSourceSchema = Type.Union([Type.Literal('manual'), Type.Literal('automatic')]);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const SecurityRule = Type.Object({
  id: Type.String(),
  type: RuleTypeSchema,
  value: Type.String(),
  reason: Nullable(Type.String()),
  source: RuleSourceSchema,
  created_by: Nullable(Type.String()),
  created_at: Type.String(),
  expires_at: Nullable(Type.String()),
  /** False once `expires_at` has passed; expired rules are kept and listed with `include_expired`. */
  active: Type.Boolean(),
});
export type SecurityRule = Static<typeof SecurityRule>;
export const SecurityRulePage = pageOf(SecurityRule);

export const RuleListQuery = Type.Object(
  {
    ...PaginationQuery.properties,
    type: Type.Optional(RuleTypeSchema),
    source: Type.Optional(RuleSourceSchema),
    include_expired: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type RuleListQuery = Static<typeof RuleListQuery>;

/** Per-type checks of `value` (and the refusal of `fingerprint`) are in security-rule-input.ts. */
export const CreateRuleBody = Type.Object(
  {
    type: RuleTypeSchema,
    value: Type.String({ minLength: 1, maxLength: 256 }),
    reason: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
    expires_at: Type.Optional(Nullable(Timestamp)),
  },
  { additionalProperties: false },
);
export type CreateRuleBody = Static<typeof CreateRuleBody>;

export const AllowlistEntry = Type.Object({
  id: Type.String(),
  value: Type.String(),
  note: Nullable(Type.String()),
  created_by: Nullable(Type.String()),
  created_at: Type.String(),
});
export type AllowlistEntry = Static<typeof AllowlistEntry>;
export const AllowlistPage = pageOf(AllowlistEntry);

export const CreateAllowlistBody = Type.Object(
  {
    value: Type.String({ minLength: 1, maxLength: 100 }),
    note: Type.Optional(Nullable(Type.String({ maxLength: 500 }))),
  },
  { additionalProperties: false },
);
export type CreateAllowlistBody = Static<typeof CreateAllowlistBody>;

/** From 1 to a million requests per window; windows from 1 second to a day. */
const rateLimitFields = {
  limit: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  window_seconds: Type.Integer({ minimum: 1, maximum: 86_400 }),
};
const RateLimitSchema = Type.Object(rateLimitFields, { additionalProperties: false });
const RateLimitPatch = Type.Partial(Type.Object(rateLimitFields), { additionalProperties: false });

export const RateLimitSettingsSchema = Type.Object(
  { per_ip: RateLimitSchema, per_api_key: RateLimitSchema, per_license_key: RateLimitSchema },
  { additionalProperties: false },
);

/** Any subset, inside each limit too: what is left out keeps its value. */
export const RateLimitsPatchSchema = Type.Object(
  {
    per_ip: Type.Optional(RateLimitPatch),
    per_api_key: Type.Optional(RateLimitPatch),
    per_license_key: Type.Optional(RateLimitPatch),
  },
  { additionalProperties: false },
);
export type RateLimitsPatchBody = Static<typeof RateLimitsPatchSchema>;
