import { Type, type Static } from '@sinclair/typebox';
import { pageOf } from '../http/pagination.js';
import { Features, Metadata, Nullable } from './licensing.schemas.js';

const Code = Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$' });

export const Product = Type.Object({
  id: Type.String(),
  name: Type.String(),
  code: Nullable(Type.String()),
  features: Type.Array(Type.String()),
  metadata: Metadata,
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type Product = Static<typeof Product>;

export const ProductPage = pageOf(Product);

export const CreateProductBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    code: Type.Optional(Nullable(Code)),
    features: Type.Optional(Features),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type CreateProductBody = Static<typeof CreateProductBody>;

export const UpdateProductBody = Type.Partial(CreateProductBody, {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateProductBody = Static<typeof UpdateProductBody>;
