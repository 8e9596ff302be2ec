import { Type, type Static } from '@sinclair/typebox';
import { pageOf, PaginationQuery } from '../http/pagination.js';
import { CUSTOM_KEY_PATTERN } from './license-key.js';
import { Features, Metadata, Nullable, Timestamp } from './licensing.schemas.js';

export const LicenseStatus = Type.Union([
  Type.Literal('active'),
  Type.Literal('suspended'),
  Type.Literal('expired'),
  Type.Literal('revoked'),
]);

export const License = Type.Object({
  id: Type.String(),
  key: Type.String(),
  product_id: Type.String(),
  customer_id: Nullable(Type.String()),
  status: LicenseStatus,
  status_reason: Nullable(Type.String()),
  max_activations: Nullable(Type.Integer()),
  activations_used: Type.Integer(),
  expires_at: Nullable(Type.String()),
  features: Type.Array(Type.String()),
  metadata: Metadata,
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type License = Static<typeof License>;
export const LicensePage = pageOf(License);

export const MaxActivations = Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000 }));
export const LicenseKey = Type.String({ minLength: 8, maxLength: 128, pattern: CUSTOM_KEY_PATTERN });

export const CreateLicenseBody = Type.Object(
  {
    product_id: Type.String({ minLength: 1, maxLength: 100 }),
    customer_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    max_activations: Type.Optional(MaxActivations),
    expires_at: Type.Optional(Nullable(Timestamp)),
    key: Type.Optional(LicenseKey),
    features: Type.Optional(Features),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type CreateLicenseBody = Static<typeof CreateLicenseBody>;

export const UpdateLicenseBody = Type.Object(
  {
    customer_id: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
    max_activations: Type.Optional(MaxActivations),
    expires_at: Type.Optional(Nullable(Timestamp)),
    features: Type.Optional(Features),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateLicenseBody = Static<typeof UpdateLicenseBody>;

export const LicenseFilters = Type.Object({
  product_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  customer_id: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
  status: Type.Optional(LicenseStatus),
  q: Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 200,
      description: "Text the licence key, or its customer's name or email, contains (any case).",
    }),
  ),
});
export type LicenseFilters = Static<typeof LicenseFilters>;

export const LicenseListQuery = Type.Composite([PaginationQuery, LicenseFilters], {
  additionalProperties: false,
});
export const ExportQuery = Type.Composite([LicenseFilters], { additionalProperties: false });

export const Activation = Type.Object({
  id: Type.String(),
  license_id: Type.String(),
  fingerprint: Type.String(),
  name: Nullable(Type.String()),
  platform: Nullable(Type.String()),
  hostname: Nullable(Type.String()),
  ip: Nullable(Type.String()),
  first_seen_at: Type.String(),
  last_seen_at: Type.String(),
});
export type Activation = Static<typeof Activation>;
export const ActivationPage = pageOf(Activation);

export const ActivationParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 100 }),
  activation_id: Type.String({ minLength: 1, maxLength: 100 }),
});
