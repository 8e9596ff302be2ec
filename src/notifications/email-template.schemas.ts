import { Type, type Static } from '@sinclair/typebox';
import { pageOf, PaginationQuery } from '../http/pagination.js';
import { EMAIL_TEMPLATE_KINDS } from './email-template-kinds.js';

const Nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

export const EmailTemplateKind = Type.Union(EMAIL_TEMPLATE_KINDS.map((kind) => Type.Literal(kind)));
export const KindParams = Type.Object({ kind: Type.String({ maxLength: 100 }) });

const Subject = Type.String({ minLength: 1, maxLength: 300 });
const Body = Type.String({ minLength: 1, maxLength: 100_000 });

export const EmailTemplateBody = Type.Object(
  { subject: Subject, text_body: Body, html_body: Body },
  { additionalProperties: false },
);
export type EmailTemplateBody = Static<typeof EmailTemplateBody>;

export const EmailTemplate = Type.Object({
  kind: EmailTemplateKind,
  description: Type.String(),
  variables: Type.Array(Type.String()),
  /** 0 while the shipped default is in use. */
  version: Type.Integer(),
  is_default: Type.Boolean(),
  subject: Type.String(),
  text_body: Type.String(),
  html_body: Type.String(),
  updated_by: Nullable(Type.String()),
  updated_at: Nullable(Type.String()),
});
export type EmailTemplate = Static<typeof EmailTemplate>;
export const EmailTemplateList = Type.Object({ data: Type.Array(EmailTemplate) });

export const EmailTemplateVersion = Type.Object({
  id: Type.String(),
  kind: EmailTemplateKind,
  version: Type.Integer(),
  subject: Type.String(),
  text_body: Type.String(),
  html_body: Type.String(),
  created_by: Nullable(Type.String()),
  created_at: Type.String(),
});
export type EmailTemplateVersion = Static<typeof EmailTemplateVersion>;
export const EmailTemplateVersionPage = pageOf(EmailTemplateVersion);
export const VersionsQuery = PaginationQuery;

export const PreviewBody = Type.Object(
  {
    subject: Type.Optional(Subject),
    text_body: Type.Optional(Body),
    html_body: Type.Optional(Body),
    /** Values to render with; absent ones take the kind's example values. */
    variables: Type.Optional(
      Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 10_000 }), { maxProperties: 50 }),
    ),
  },
  { additionalProperties: false },
);
export type PreviewBody = Static<typeof PreviewBody>;

export const RenderedEmail = Type.Object({
  subject: Type.String(),
  text: Type.String(),
  html: Type.String(),
});

export const EmailNotification = Type.Object({
  id: Type.String(),
  kind: EmailTemplateKind,
  recipient: Type.String(),
  license_id: Nullable(Type.String()),
  event_id: Nullable(Type.String()),
  state: Type.Union([
    Type.Literal('pending'),
    Type.Literal('sent'),
    Type.Literal('failed'),
    Type.Literal('not_sent'),
  ]),
  attempts: Type.Integer(),
  error: Nullable(Type.String()),
  sent_at: Nullable(Type.String()),
  created_at: Type.String(),
});
export type EmailNotification = Static<typeof EmailNotification>;
export const EmailNotificationPage = pageOf(EmailNotification);
