import { isUniqueViolation, type Executor } from '../db/database.js';
import type { EmailTemplateVersionTable } from '../db/schema.js';
import { AppError, notFound, validationError } from '../http/errors.js';
import { toPage, type Page } from '../http/pagination.js';
import { NO_ENTRY, type ActivityEntry } from '../logging/activity.service.js';
import type { CoreDeps } from '../shared/deps.js';
import {
  EMAIL_TEMPLATE_KINDS,
  EMAIL_TEMPLATE_SPECS,
  type EmailTemplateContent,
  type EmailTemplateKind,
} from './email-template-kinds.js';
import { renderTemplate, templateProblems, type RenderedEmail } from './email-template-render.js';
import { createEmailTemplateRepository } from './email-template.repository.js';
import type { EmailTemplate, EmailTemplateVersion, PreviewBody } from './email-template.schemas.js';

export function isTemplateKind(kind: string): kind is EmailTemplateKind {
  return (EMAIL_TEMPLATE_KINDS as readonly string[]).includes(kind);
}

function kindOf(kind: string): EmailTemplateKind {
  if (!isTemplateKind(kind)) throw notFound('Email template');
  return kind;
}

function toTemplate(kind: EmailTemplateKind, row: EmailTemplateVersionTable | undefined): EmailTemplate {
  const spec = EMAIL_TEMPLATE_SPECS[kind];
  const content = row ?? spec.defaults;
  return {
    kind,
    description: spec.description,
    variables: Object.keys(spec.variables),
    version: row?.version ?? 0,
    is_default: row === undefined,
    subject: content.subject,
    text_body: content.text_body,
    html_body: content.html_body,
    updated_by: row?.created_by ?? null,
    updated_at: row?.created_at ?? null,
  };
}

function toVersion(row: EmailTemplateVersionTable): EmailTemplateVersion {
  return { ...row, kind: kindOf(row.kind) };
}

const contentOf = (t: EmailTemplateContent): EmailTemplateContent => ({
  subject: t.subject,
  text_body: t.text_body,
  html_body: t.html_body,
});

/** Email templates: shipped defaults, saved versions (all kept), preview and rendering. */
export function createEmailTemplateService({ db, clock, ids }: Pick<CoreDeps, 'db' | 'clock' | 'ids'>) {
  const repository = createEmailTemplateRepository(db);

  async function get(kind: string, tx: Executor = db): Promise<EmailTemplate> {
    const known = kindOf(kind);
    return toTemplate(known, await repository.latest(known, tx));
  }

  function check(kind: EmailTemplateKind, content: EmailTemplateContent): void {
    const problems = templateProblems(content, Object.keys(EMAIL_TEMPLATE_SPECS[kind].variables));
    if (problems.length) throw validationError(problems);
  }

  return {
    get,

    async list(): Promise<EmailTemplate[]> {
      const latest = new Map((await repository.latestOfAll()).map((row) => [row.kind, row]));
      return EMAIL_TEMPLATE_KINDS.map((kind) => toTemplate(kind, latest.get(kind)));
    },

    async versions(kind: string, limit: number, beforeId?: string): Promise<Page<EmailTemplateVersion>> {
      const known = kindOf(kind);
      return toPage((await repository.versions(known, limit + 1, beforeId)).map(toVersion), limit);
    },

    /** Saves a new version; the activity entry carries the content before and after. */
    async update(
      kind: string,
      content: EmailTemplateContent,
      author: string | null,
      tx: Executor = db,
      entry: ActivityEntry = NO_ENTRY,
    ): Promise<EmailTemplate> {
      const known = kindOf(kind);
      const before = await get(known, tx);
      entry.note({ resource_id: known, resource: `Email template ${known}` });
      check(known, content);
      const row: EmailTemplateVersionTable = {
        id: ids.next('etv'),
        kind: known,
        version: before.version + 1,
        ...contentOf(content),
        created_by: author,
        created_at: clock.now().toISOString(),
      };
      try {
        await repository.insert(row, tx);
      } catch (error) {
        // Two saves of one template at once: the second would reuse the version number.
        if (isUniqueViolation(error))
          throw new AppError('ERR_CONFLICT', 'The template was changed meanwhile; reload and save again.');
        throw error;
      }
      const after = toTemplate(known, row);
      entry.note({
        details: {
          version: { before: before.version, after: after.version },
          changes: Object.fromEntries(
            (['subject', 'text_body', 'html_body'] as const)
              .filter((field) => before[field] !== after[field])
              .map((field) => [field, { before: before[field], after: after[field] }]),
          ),
        },
      });
      return after;
    },

    /** Renders the saved template, or the given content, with the given or example variables. */
    async preview(kind: string, body: PreviewBody): Promise<RenderedEmail> {
      const known = kindOf(kind);
      const spec = EMAIL_TEMPLATE_SPECS[known];
      const current = await get(known);
      const content = {
        subject: body.subject ?? current.subject,
        text_body: body.text_body ?? current.text_body,
        html_body: body.html_body ?? current.html_body,
      };
      const unknown = Object.keys(body.variables ?? {}).filter((name) => !(name in spec.variables));
      const problems = [
        ...templateProblems(content, Object.keys(spec.variables)),
        ...unknown.map((name) => ({
          field: `variables.${name}`,
          message: 'is not a variable of this template',
        })),
      ];
      if (problems.length) throw validationError(problems);
      return renderTemplate(content, { ...spec.variables, ...body.variables });
    },

    /**
     * What every email the server sends goes through (licence notifications, alerts): the current
     * template of `kind` with `variables`; variables not given render empty.
     */
    async renderEmail(kind: EmailTemplateKind, variables: Record<string, string>): Promise<RenderedEmail> {
      const template = await get(kind);
      const known = Object.keys(EMAIL_TEMPLATE_SPECS[kind].variables);
      const values = Object.fromEntries(known.map((name) => [name, variables[name] ?? '']));
      return renderTemplate(template, values);
    },
  };
}

export type EmailTemplateService = ReturnType<typeof createEmailTemplateService>;
