import { describe, expect, it } from 'vitest';
import { renderTemplate, templateProblems } from './email-template-render.js';

const VARIABLES = ['customer_name', 'reason'];
const ok = {
  subject: 'Hi {{customer_name}}',
  text_body: 'Because {{reason}}',
  html_body: '<p>{{reason}}</p>',
};

describe('email template checks', () => {
  it('accepts known variables, sections and comments', () => {
    expect(
      templateProblems(
        { ...ok, text_body: '{{! note }}{{#reason}}Because {{reason}}{{/reason}}{{^reason}}-{{/reason}}' },
        VARIABLES,
      ),
    ).toEqual([]);
  });

  it.each([
    ['an unknown variable', { text_body: '{{customer_email}}' }, 'text_body'],
    ['an unknown section', { text_body: '{{#admin}}x{{/admin}}' }, 'text_body'],
    ['a dotted name', { html_body: '{{reason.length}}' }, 'html_body'],
    ['triple braces', { html_body: '{{{reason}}}' }, 'html_body'],
    ['an ampersand tag', { html_body: '{{&reason}}' }, 'html_body'],
    ['a partial', { text_body: '{{>footer}}' }, 'text_body'],
    ['a delimiter change', { text_body: '{{=<% %>=}}<% reason %>' }, 'text_body'],
    ['an unclosed section', { text_body: '{{#reason}}' }, 'text_body'],
    ['a CR LF in the subject', { subject: 'a\r\nBcc: x@y' }, 'subject'],
  ])('refuses %s', (_name, change, field) => {
    expect(templateProblems({ ...ok, ...change }, VARIABLES).map((p) => p.field)).toContain(field);
  });
});

describe('rendering', () => {
  it('escapes HTML in the HTML body only and keeps the subject on one line', () => {
    const rendered = renderTemplate(ok, { customer_name: 'Eve\r\nBcc: all@x', reason: '<b>"late"</b>' });
    expect(rendered.subject).toBe('Hi Eve Bcc: all@x');
    expect(rendered.text).toBe('Because <b>"late"</b>');
    expect(rendered.html).toBe('<p>&lt;b&gt;&quot;late&quot;&lt;&#x2F;b&gt;</p>');
  });

  it('inserts values as text, never as templates', () => {
    const rendered = renderTemplate(ok, { customer_name: '{{reason}}', reason: 'secret reason' });
    expect(rendered.subject).toBe('Hi {{reason}}');
  });
});
