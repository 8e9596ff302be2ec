import { Type, type Static } from '@sinclair/typebox';
import { RoleSchema } from './admin.schemas.js';

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const Scope = Type.Union([Type.Literal('admin'), Type.Literal('licenses')]);
const Environment = Type.Union([Type.Literal('live'), Type.Literal('test')]);

/** A key as shown: `masked` identifies it; the hash and the secret never appear. */
export const ApiKey = Type.Object({
  id: Type.String(),
  name: Type.String(),
  scope: Scope,
  role: Type.Union([RoleSchema, Type.Null()]),
  environment: Environment,
  masked: Type.String(),
  created_by: Type.Union([Type.String(), Type.Null()]),
  created_at: Timestamp,
  expires_at: NullableTimestamp,
  revoked_at: NullableTimestamp,
  last_used_at: NullableTimestamp,
});

export const CreatedApiKey = Type.Intersect([
  ApiKey,
  Type.Object({ secret: Type.String({ description: 'Shown in this response only; store it now' }) }),
]);

export const ApiKeyParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

export const CreateApiKeyBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    scope: Scope,
    role: Type.Optional(RoleSchema),
    environment: Type.Optional(Environment),
    expires_at: Type.Optional(Type.Union([Timestamp, Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateApiKeyBody = Static<typeof CreateApiKeyBody>;
