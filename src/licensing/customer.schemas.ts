import { Type, type Static } from '@sinclair/typebox';
import { pageOf } from '../http/pagination.js';
import { Metadata, Nullable } from './licensing.schemas.js';

export const Customer = Type.Object({
  id: Type.String(),
  name: Type.String(),
  email: Nullable(Type.String()),
  metadata: Metadata,
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type Customer = Static<typeof Customer>;
export const CustomerPage = pageOf(Customer);

export const CreateCustomerBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200 }),
    email: Type.Optional(Nullable(Type.String({ format: 'email', maxLength: 320 }))),
    metadata: Type.Optional(Metadata),
  },
  { additionalProperties: false },
);
export type CreateCustomerBody = Static<typeof CreateCustomerBody>;

export const UpdateCustomerBody = Type.Partial(CreateCustomerBody, {
  additionalProperties: false,
  minProperties: 1,
});
export type UpdateCustomerBody = Static<typeof UpdateCustomerBody>;

export const Note = Type.Object({
  id: Type.String(),
  customer_id: Type.String(),
  body: Type.String(),
  author: Type.String(),
  created_at: Type.String(),
});
export type Note = Static<typeof Note>;
export const NotePage = pageOf(Note);

export const CreateNoteBody = Type.Object(
  { body: Type.String({ minLength: 1, maxLength: 10_000 }) },
  { additionalProperties: false },
);
