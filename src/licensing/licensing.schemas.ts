import { Type, type TSchema } from '@sinclair/typebox';

/** Schema pieces shared by the licensing routes. */
export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Features = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 500 });
export const Metadata = Type.Object({}, { additionalProperties: true });
export const Timestamp = Type.String({ format: 'date-time' });

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });

export const ReasonBody = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 1000 }) },
  { additionalProperties: false },
);
