import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinRules, evaluateAt, listAlerts, type AlertRuleView } from '../helpers/alerts.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { startSmtpReceiver, type SmtpReceiver } from '../helpers/smtp-receiver.js';

describe.each(DIALECTS)('alert emails from the edited template on %s', (dialect) => {
  let t: TestContext;
  let smtp: SmtpReceiver;
  let rules: Record<string, AlertRuleView>;

  beforeAll(async () => {
    smtp = await startSmtpReceiver();
    t = await createTestApp(dialect, (config) => {
      config.smtp.url = smtp.url;
    });
    rules = await builtinRules(t);
    const response = await t.request({
      method: 'PATCH',
      url: `/api/v1/alerts/rules/${rules.sensitive_admin_action!.id}`,
      payload: { notify: { emails: ['security@vendor.test'] } },
    });
    expect(response.statusCode, response.body).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  async function changeSettingsAndEvaluate(minute: string): Promise<void> {
    t.clock.set(`2024-06-01T${minute}:00.000Z`);
    const response = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { api_call_sample_rate: Math.random() },
    });
    expect(response.statusCode, response.body).toBe(200);
    await evaluateAt(t, `2024-06-01T${minute}:59.000Z`);
  }

  it('uses the detailed built-in format while the alert template is the shipped default', async () => {
    await changeSettingsAndEvaluate('09:00');
    const [email] = await smtp.waitFor(1);
    const parsed = await simpleParser(email!.raw);
    expect(parsed.subject).toMatch(/^\[KeyManager\] FIRING \w+: Sensitive admin action/);
  });

  it('renders with the alert template once an admin has edited it, values escaped in the HTML', async () => {
    const saved = await t.request({
      method: 'PUT',
      url: '/api/v1/email-templates/alert',
      payload: {
        subject: 'Alert {{rule_name}} is {{state}} ({{severity}})',
        text_body: 'What happened: {{summary}}. Since {{fired_at}}.',
        html_body: '<p>What happened: {{summary}}</p>',
      },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    // Resolve the first alert, then fire again once its cool-down has passed.
    await evaluateAt(t, '2024-06-01T09:30:00.000Z');
    await changeSettingsAndEvaluate('10:00');
    const firing = await listAlerts(t, `&rule_id=${rules.sensitive_admin_action!.id}&state=firing`);
    expect(firing).toHaveLength(1);
    const emails = await smtp.waitFor(3);
    const parsed = await simpleParser(emails.at(-1)!.raw);
    expect(parsed.subject).toMatch(/^Alert Sensitive admin action is firing \(\w+\)$/);
    expect(parsed.text).toContain(`What happened: ${firing[0]!.summary}. Since ${firing[0]!.started_at}.`);
    expect(parsed.html).toContain('<p>What happened: Sensitive admin action');
  });
});
