import { Type, type Static } from '@sinclair/typebox';
import { Activation, LicenseStatus } from './license.schemas.js';
import { Nullable } from './licensing.schemas.js';

const Key = Type.String({ minLength: 1, maxLength: 256 });
const Fingerprint = Type.String({ minLength: 1, maxLength: 256 });
const Label = Type.String({ maxLength: 255 });

export const ActivateBody = Type.Object(
  {
    license_key: Key,
    fingerprint: Fingerprint,
    name: Type.Optional(Label),
    platform: Type.Optional(Label),
    hostname: Type.Optional(Label),
  },
  { additionalProperties: false },
);
export type ActivateBody = Static<typeof ActivateBody>;

export const ValidateBody = Type.Object(
  { license_key: Key, fingerprint: Type.Optional(Fingerprint) },
  { additionalProperties: false },
);
export const DeactivateBody = Type.Object(
  { license_key: Key, fingerprint: Fingerprint },
  { additionalProperties: false },
);
export const StatusBody = Type.Object({ license_key: Key }, { additionalProperties: false });

/** What the vendor's software learns about its own licence: never the key, never other licences. */
export const LicenseSummary = Type.Object({
  id: Type.String(),
  product_id: Type.String(),
  status: LicenseStatus,
  expires_at: Nullable(Type.String()),
  features: Type.Array(Type.String()),
  max_activations: Nullable(Type.Integer()),
  activations_used: Type.Integer(),
});
export type LicenseSummary = Static<typeof LicenseSummary>;

export const ActivateResponse = Type.Object({ activation: Activation, license: LicenseSummary });
export const ValidateResponse = Type.Object({
  valid: Type.Literal(true),
  code: Type.Literal('VALID'),
  license: LicenseSummary,
});
export const DeactivateResponse = Type.Object({ deactivated: Type.Literal(true), license: LicenseSummary });
