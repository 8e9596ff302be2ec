import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { pageOf } from '../http/pagination.js';
import { SUBSCRIBABLE_EVENTS } from './webhook-events.js';

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const IdParams = Type.Object({ id: Type.String({ maxLength: 100 }) });
export const DeliveryParams = Type.Object({
  id: Type.String({ maxLength: 100 }),
  delivery_id: Type.String({ maxLength: 100 }),
});

const Url = Type.String({ minLength: 1, maxLength: 2048 });
const Events = Type.Array(Type.Union(SUBSCRIBABLE_EVENTS.map((type) => Type.Literal(type))), {
  minItems: 1,
  maxItems: SUBSCRIBABLE_EVENTS.length,
  uniqueItems: true,
});
const Description = Nullable(Type.String({ maxLength: 500 }));

export const CreateWebhookBody = Type.Object(
  {
    url: Url,
    events: Events,
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type CreateWebhookBody = Static<typeof CreateWebhookBody>;

export const UpdateWebhookBody = Type.Object(
  {
    url: Type.Optional(Url),
    events: Type.Optional(Events),
    description: Type.Optional(Description),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateWebhookBody = Static<typeof UpdateWebhookBody>;

export const WebhookEndpoint = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Nullable(Type.String()),
  events: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  /** The signing secret's recognisable end; the secret itself is shown once. */
  secret_masked: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
export type WebhookEndpoint = Static<typeof WebhookEndpoint>;
export const WebhookEndpointPage = pageOf(WebhookEndpoint);

/** The answer to creation and rotation: the only time the secret is shown. */
export const WebhookEndpointWithSecret = Type.Composite([
  WebhookEndpoint,
  Type.Object({ secret: Type.String({ description: 'Shown once; store it to verify signatures.' }) }),
]);
export type WebhookEndpointWithSecret = Static<typeof WebhookEndpointWithSecret>;

export const DeliveryAttempt = Type.Object({
  attempt: Type.Integer(),
  attempted_at: Type.String(),
  response_status: Nullable(Type.Integer()),
  response_time_ms: Type.Integer(),
  error: Nullable(Type.String()),
});

export const WebhookDelivery = Type.Object({
  id: Type.String(),
  endpoint_id: Type.String(),
  event_id: Type.String(),
  event_type: Type.String(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  max_attempts: Type.Integer(),
  response_status: Nullable(Type.Integer()),
  response_time_ms: Nullable(Type.Integer()),
  error: Nullable(Type.String()),
  next_retry_at: Nullable(Type.String()),
  delivered_at: Nullable(Type.String()),
  created_at: Type.String(),
  attempt_history: Type.Array(DeliveryAttempt),
});
export type WebhookDelivery = Static<typeof WebhookDelivery>;
export const WebhookDeliveryPage = pageOf(WebhookDelivery);

export const DeliveryListQuery = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
    state: Type.Optional(
      Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
    ),
  },
  { additionalProperties: false },
);
