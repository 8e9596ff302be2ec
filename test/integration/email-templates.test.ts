import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { DIALECTS } from '../helpers/database.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.js';
import { createCustomer, createLicense, createProduct } from './licensing-fixtures.js';

const NEW_TEMPLATE = {
  subject: 'Welcome to {{product_name}}',
  text_body: 'Hi {{customer_name}}, key {{license_key}}',
  html_body: '<p>Hi {{customer_name}}, key <code>{{license_key}}</code></p>',
};

async function emailsOf(t: TestContext) {
  return t.services.core.db
    .selectFrom('email_notifications')
    .select(['kind', 'recipient', 'state', 'error', 'license_id'])
    .orderBy('id')
    .execute();
}

describe.each(DIALECTS)('email templates on %s', (dialect) => {
  let t: TestContext;

  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  it('ships a default for every kind, with its variables', async () => {
    const response = await t.request({ method: 'GET', url: '/api/v1/email-templates' });
    expect(response.statusCode).toBe(200);
    const kinds = response
      .json()
      .data.map((d: { kind: string; version: number; is_default: boolean }) => [
        d.kind,
        d.version,
        d.is_default,
      ]);
    expect(kinds).toEqual([
      ['license_issued', 0, true],
      ['license_expiring', 0, true],
      ['license_expired', 0, true],
      ['license_suspended', 0, true],
      ['alert', 0, true],
    ]);
    const issued = (await t.request({ method: 'GET', url: '/api/v1/email-templates/license_issued' })).json();
    expect(issued.variables).toContain('license_key');
    expect((await t.request({ method: 'GET', url: '/api/v1/email-templates/invoice' })).statusCode).toBe(404);
  });

  it('keeps every version and audits each change with before and after', async () => {
    const before = (await t.request({ method: 'GET', url: '/api/v1/email-templates/license_issued' })).json();
    const rows = await newActivity(t, async () => {
      const saved = await t.request({
        method: 'PUT',
        url: '/api/v1/email-templates/license_issued',
        payload: NEW_TEMPLATE,
      });
      expect(saved.statusCode, saved.body).toBe(200);
      expect(saved.json()).toMatchObject({ version: 1, is_default: false, subject: NEW_TEMPLATE.subject });
    });
    expect(rows.map((r) => [r.action_type, r.resource_type, r.resource_id, r.result])).toEqual([
      ['EMAIL_TEMPLATE_UPDATED', 'email_template', 'license_issued', 'success'],
    ]);
    expect(detailsOf(rows[0]!)).toMatchObject({
      version: { before: 0, after: 1 },
      changes: { subject: { before: before.subject, after: NEW_TEMPLATE.subject } },
    });
    await t.request({
      method: 'PUT',
      url: '/api/v1/email-templates/license_issued',
      payload: { ...NEW_TEMPLATE, subject: 'Second {{product_name}}' },
    });
    const versions = (
      await t.request({ method: 'GET', url: '/api/v1/email-templates/license_issued/versions' })
    ).json();
    expect(versions.data.map((v: { version: number; subject: string }) => [v.version, v.subject])).toEqual([
      [2, 'Second {{product_name}}'],
      [1, NEW_TEMPLATE.subject],
    ]);
    const current = (
      await t.request({ method: 'GET', url: '/api/v1/email-templates/license_issued' })
    ).json();
    expect(current.version).toBe(2);
  });

  it('refuses unknown variables, unescaped HTML, partials and line breaks in the subject (422, nothing saved)', async () => {
    const bad = [
      { ...NEW_TEMPLATE, text_body: 'Hi {{customer_nmae}}' },
      { ...NEW_TEMPLATE, html_body: '<p>{{{customer_name}}}</p>' },
      { ...NEW_TEMPLATE, html_body: '<p>{{& customer_name}}</p>' },
      { ...NEW_TEMPLATE, text_body: '{{> header}}' },
      { ...NEW_TEMPLATE, text_body: '{{constructor}}' },
      { ...NEW_TEMPLATE, subject: 'Hello\r\nBcc: victim@example.com' },
      { ...NEW_TEMPLATE, subject: 'Hello\nthere' },
      { ...NEW_TEMPLATE, text_body: '{{#customer_name}}unclosed' },
      { ...NEW_TEMPLATE, subject: '' },
      { subject: 'only a subject' },
      { ...NEW_TEMPLATE, extra: 'field' },
    ];
    const versionsBefore = (
      await t.request({ method: 'GET', url: '/api/v1/email-templates/license_expired/versions' })
    ).json();
    for (const payload of bad) {
      const response = await t.request({
        method: 'PUT',
        url: '/api/v1/email-templates/license_expired',
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(422);
      expect(response.json().error.code).toBe('ERR_VALIDATION');
    }
    // Only the template fields are exempt from the security layer's markup check.
    const smuggled = await t.request({
      method: 'PUT',
      url: '/api/v1/email-templates/license_expired',
      payload: { ...NEW_TEMPLATE, note: '<script>alert(1)</script>' },
    });
    expect(smuggled.statusCode).toBe(403);
    const unknown = await t.request({
      method: 'PUT',
      url: '/api/v1/email-templates/license_expired',
      payload: { ...NEW_TEMPLATE, text_body: 'Hi {{customer_nmae}}' },
    });
    expect(unknown.json().error.details[0]).toMatchObject({ field: 'text_body' });
    expect(unknown.json().error.details[0].message).toContain('customer_nmae');
    const versionsAfter = (
      await t.request({ method: 'GET', url: '/api/v1/email-templates/license_expired/versions' })
    ).json();
    expect(versionsAfter).toEqual(versionsBefore);
  });

  it('previews with HTML escaped, refusing unknown variables and line breaks in the subject', async () => {
    const preview = await t.request({
      method: 'POST',
      url: '/api/v1/email-templates/license_suspended/preview',
      payload: { variables: { customer_name: '<script>alert(1)</script>', reason: 'a & b' } },
    });
    expect(preview.statusCode, preview.body).toBe(200);
    const rendered = preview.json();
    expect(rendered.html).toContain('&lt;script&gt;alert(1)&lt;&#x2F;script&gt;');
    expect(rendered.html).not.toContain('<script>');
    expect(rendered.html).toContain('a &amp; b');
    expect(rendered.text).toContain('Hello <script>alert(1)</script>,');
    // Example values fill what is not given.
    expect(rendered.subject).toBe('Your Analytical Engine Pro licence has been suspended');

    const injected = await t.request({
      method: 'POST',
      url: '/api/v1/email-templates/license_suspended/preview',
      payload: {
        subject: 'About {{customer_name}}',
        variables: { customer_name: 'Eve\r\nBcc: all@example.com' },
      },
    });
    expect(injected.json().subject).toBe('About Eve Bcc: all@example.com');

    for (const payload of [
      { variables: { password: 'x' } },
      { subject: 'Two\r\nlines' },
      { html_body: '{{{reason}}}' },
      { text_body: '{{unknown_thing}}' },
    ]) {
      const response = await t.request({
        method: 'POST',
        url: '/api/v1/email-templates/license_suspended/preview',
        payload,
      });
      expect(response.statusCode, JSON.stringify(payload)).toBe(422);
    }
  });

  it('records licence emails as not sent when no SMTP server is configured, without failing the licence', async () => {
    const product = await createProduct(t);
    const customer = await createCustomer(t, { email: 'buyer@example.com' });
    const license = await createLicense(t, { product_id: product.id, customer_id: customer.id });
    await t.services.webhooks.job.runOnce();
    const emails = (await emailsOf(t)).filter((e) => e.license_id === license.id);
    expect(emails).toEqual([
      expect.objectContaining({ kind: 'license_issued', recipient: 'buyer@example.com', state: 'not_sent' }),
    ]);
    const listed = (await t.request({ method: 'GET', url: '/api/v1/email-notifications' })).json();
    expect(listed.data.find((e: { license_id: string }) => e.license_id === license.id)).toMatchObject({
      kind: 'license_issued',
      recipient: 'buyer@example.com',
      state: 'not_sent',
      attempts: 0,
      error: 'No SMTP server is configured (KM_SMTP_URL).',
      sent_at: null,
    });
    expect(JSON.stringify(listed)).not.toContain(license.key);
  });
});

describe.each(DIALECTS)('licence notification emails on %s', (dialect) => {
  let t: TestContext;
  let smtp: SmtpReceiver;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    t = await createTestApp(dialect, (config) => {
      config.smtp.url = smtp.url;
      config.smtp.from = 'Licences <licences@vendor.example>';
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('sends the issued and suspended emails to the customer through the real SMTP server', async () => {
    const product = await createProduct(t, { name: 'Rocket Editor' });
    const customer = await createCustomer(t, { name: 'Grace <Hopper>', email: 'grace@example.com' });
    const noEmail = await createCustomer(t, { name: 'No Email' });
    const license = await createLicense(t, { product_id: product.id, customer_id: customer.id });
    await createLicense(t, { product_id: product.id, customer_id: noEmail.id });
    const suspended = await t.request({
      method: 'POST',
      url: `/api/v1/licenses/${license.id}/suspend`,
      payload: { reason: 'Payment overdue' },
    });
    expect(suspended.statusCode).toBe(200);
    await t.services.webhooks.job.runOnce();

    const received = await smtp.waitFor(2);
    expect(received.map((m) => m.to)).toEqual([['grace@example.com'], ['grace@example.com']]);
    const [issued, suspendedMail] = received.map((m) => m.raw);
    expect(issued).toContain('Subject: Your licence for Rocket Editor');
    // The customer receives the full key in the issued email, and only there.
    expect(issued).toContain(license.key);
    expect(issued).toContain('Grace &lt;Hopper&gt;');
    expect(suspendedMail).toContain('Subject: Your Rocket Editor licence has been suspended');
    expect(suspendedMail).toContain('Payment overdue');
    expect(suspendedMail).not.toContain(license.key);
    const emails = (await emailsOf(t)).map((e) => [e.kind, e.recipient, e.state]);
    expect(emails).toEqual([
      ['license_issued', 'grace@example.com', 'sent'],
      ['license_suspended', 'grace@example.com', 'sent'],
    ]);
  });

  it('never fails the licence action when the SMTP server refuses, and keeps its password out of the record', async () => {
    const wrong = await startSmtpReceiver({ user: 'mailer', pass: 'another-pass' });
    const failing = await createTestApp(dialect, (config) => {
      config.smtp.url = wrong.url.replace('another-pass', 'smtp-pass-canary');
      config.events.maxAttempts = 1;
    });
    try {
      const product = await createProduct(failing);
      const customer = await createCustomer(failing, { email: 'ops@example.com' });
      const license = await createLicense(failing, { product_id: product.id, customer_id: customer.id });
      expect(license.id).toMatch(/^lic_/);
      await failing.services.webhooks.job.runOnce();
      const [email] = await emailsOf(failing);
      expect(email).toMatchObject({ kind: 'license_issued', state: 'failed' });
      expect(email!.error).toMatch(/^SMTP delivery failed/);
      expect(email!.error).not.toContain('smtp-pass-canary');
      expect(wrong.received).toHaveLength(0);
    } finally {
      await failing.close();
      await wrong.close();
    }
  });
});
