import { Type, type Static } from '@sinclair/typebox';
import { ROLES } from './permissions.js';
import { PASSWORD_MAX_LENGTH } from './password.js';

export const RoleSchema = Type.Union(
  ROLES.map((role) => Type.Literal(role)),
  { description: 'owner, admin, security, support or viewer' },
);

const Timestamp = Type.String({ format: 'date-time' });
const NullableTimestamp = Type.Union([Timestamp, Type.Null()]);
const Name = Type.String({ minLength: 1, maxLength: 200 });

export const Admin = Type.Object({
  id: Type.String(),
  email: Type.String(),
  name: Type.Union([Type.String(), Type.Null()]),
  role: RoleSchema,
  created_at: Timestamp,
  updated_at: Timestamp,
  last_login_at: NullableTimestamp,
  mfa_enabled: Type.Optional(
    Type.Boolean({ description: 'two-factor sign-in is on (in admin lists and reads)' }),
  ),
});

export const AdminParams = Type.Object({ id: Type.String({ maxLength: 100 }) });

// The minimum length is checked by the service so the message can say what the rule is.
export const Password = Type.String({ maxLength: PASSWORD_MAX_LENGTH });

export const CreateAdminBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 320, format: 'email' }),
    password: Password,
    role: RoleSchema,
    name: Type.Optional(Type.Union([Name, Type.Null()])),
  },
  { additionalProperties: false },
);
export type CreateAdminBody = Static<typeof CreateAdminBody>;

export const UpdateAdminBody = Type.Object(
  {
    role: Type.Optional(RoleSchema),
    name: Type.Optional(Type.Union([Name, Type.Null()])),
  },
  { additionalProperties: false },
);

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 1, maxLength: 320 }),
    password: Type.String({ minLength: 1, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
);

const MfaStep = Type.Union([Type.Literal('verify'), Type.Literal('enrol'), Type.Null()], {
  description:
    'the sign-in step still owed: `verify` (POST /auth/mfa/verify with a code), `enrol` (set up an authenticator first) or null (signed in)',
});

export const LoginResponse = Type.Object({
  admin: Admin,
  mfa_step: MfaStep,
  csrf_token: Type.String({
    description: 'Send it back as the x-csrf-token header on state-changing requests',
  }),
});

export const ProfileBody = Type.Object(
  { name: Type.Union([Name, Type.Null()]) },
  { additionalProperties: false },
);

export const PasswordChangeBody = Type.Object(
  { current_password: Type.String({ maxLength: PASSWORD_MAX_LENGTH }), new_password: Password },
  { additionalProperties: false },
);

export const Me = Type.Object({
  type: Type.Union([Type.Literal('admin'), Type.Literal('api_key')]),
  id: Type.String(),
  email: Type.Union([Type.String(), Type.Null()]),
  name: Type.Union([Type.String(), Type.Null()]),
  role: Type.Union([RoleSchema, Type.Null()]),
  permissions: Type.Array(Type.String()),
  session: Type.Union([Type.String({ description: 'the session, masked' }), Type.Null()]),
  mfa_enabled: Type.Boolean({ description: 'the admin has a confirmed authenticator' }),
  mfa_passed: Type.Boolean({ description: 'this session signed in with two factors' }),
  mfa_step: MfaStep,
});
