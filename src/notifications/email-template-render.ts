import Mustache from 'mustache';
import type { FieldError } from '../http/errors.js';
import type { EmailTemplateContent } from './email-template-kinds.js';

/**
 * Templates are Mustache: logic-less, so a template can only insert the variables it is given, never
 * run code. The HTML body is HTML-escaped; the subject and text body are inserted as they are (plain
 * text) and line breaks in the subject become spaces, so no value can add an email header.
 */
const ALLOWED_TOKENS = new Set(['text', 'name', '#', '^', '!']);
const NAME = /^[a-z][a-z0-9_]*$/;
const LINE_BREAK = /[\r\n\u2028\u2029]/;

type Token = [string, string, ...unknown[]];

function namesIn(tokens: Token[], found: { kind: string; name: string }[]): void {
  for (const token of tokens) {
    const [kind, value] = token;
    if (kind !== 'text') found.push({ kind, name: value });
    const children = token[4];
    if (Array.isArray(children)) namesIn(children as Token[], found);
  }
}

/** Field errors of a template: syntax, unknown variables, unescaped HTML, partials, line breaks in the subject. */
export function templateProblems(content: EmailTemplateContent, variables: readonly string[]): FieldError[] {
  const errors: FieldError[] = [];
  if (LINE_BREAK.test(content.subject)) {
    errors.push({ field: 'subject', message: 'must be one line (no CR or LF)' });
  }
  for (const field of ['subject', 'text_body', 'html_body'] as const) {
    let tokens: Token[];
    try {
      tokens = new Mustache.Writer().parse(content[field]) as unknown as Token[];
    } catch (error) {
      errors.push({ field, message: `is not a valid template: ${(error as Error).message.split('\n')[0]}` });
      continue;
    }
    const found: { kind: string; name: string }[] = [];
    namesIn(tokens, found);
    for (const { kind, name } of found) {
      if (kind === '!') continue;
      if (kind === '&' || kind === '{') {
        errors.push({ field, message: `inserts {{{${name}}}} without escaping; use {{${name}}}` });
      } else if (!ALLOWED_TOKENS.has(kind)) {
        errors.push({ field, message: `uses an unsupported tag ("${kind}")` });
      } else if (!NAME.test(name) || !variables.includes(name)) {
        errors.push({ field, message: `uses an unknown variable "${name}"; known: ${variables.join(', ')}` });
      }
    }
  }
  return errors;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const plain = (value: string) => value;

/** Renders a template already checked by `templateProblems`; a fresh writer keeps no cache of templates. */
export function renderTemplate(
  content: EmailTemplateContent,
  variables: Record<string, string>,
): RenderedEmail {
  const writer = new Mustache.Writer();
  const view = { ...variables };
  return {
    subject: writer
      .render(content.subject, view, {}, { escape: plain })
      .replace(/[\r\n\u2028\u2029]+/g, ' ')
      .trim(),
    text: writer.render(content.text_body, view, {}, { escape: plain }),
    html: writer.render(content.html_body, view, {}, { escape: Mustache.escape }),
  };
}
