import { Type } from '@sinclair/typebox';
import { PASSWORD_MAX_LENGTH } from './password.js';

/** Six digits; other shapes are refused by the check itself, with the same answer as a wrong code. */
const TotpCode = Type.String({ minLength: 1, maxLength: 10, description: 'the 6-digit code of the app' });
const RecoveryCode = Type.String({
  minLength: 1,
  maxLength: 40,
  description: 'one of the recovery codes shown at enrolment (`xxxx-xxxx-xxxx-xxxx`), each usable once',
});

export const MfaStatusSchema = Type.Object({
  enabled: Type.Boolean(),
  recovery_codes_left: Type.Integer(),
  required_for_every_admin: Type.Boolean(),
});

export const MfaEnrolmentSchema = Type.Object({
  secret: Type.String({ description: 'Base32, to type into an authenticator app by hand' }),
  otpauth_url: Type.String(),
  qr_code: Type.String({ description: 'the otpauth URL as a PNG QR code, a data: URL' }),
});

export const TotpCodeBody = Type.Object({ totp_code: TotpCode }, { additionalProperties: false });

/** Exactly one of the two (checked by the route, so the message can say so). */
export const SecondFactorBody = Type.Object(
  { totp_code: Type.Optional(TotpCode), recovery_code: Type.Optional(RecoveryCode) },
  { additionalProperties: false },
);

export const DisableMfaBody = Type.Object(
  {
    password: Type.String({ maxLength: PASSWORD_MAX_LENGTH }),
    totp_code: Type.Optional(TotpCode),
    recovery_code: Type.Optional(RecoveryCode),
  },
  { additionalProperties: false },
);

export const RecoveryCodesResponse = Type.Object({
  recovery_codes: Type.Array(Type.String(), { description: 'shown this once; stored only as hashes' }),
  csrf_token: Type.Optional(Type.String({ description: 'the new session’s CSRF token' })),
});

export const CsrfResponse = Type.Object({ csrf_token: Type.String() });
