import { describe, expect, it } from 'vitest';
import { formatAlertEmail } from './alert-email.js';
import type { AlertView } from './alert.schemas.js';

const alert: AlertView = {
  id: 'alert_01hzzzzzzzzzzzzzzzzzzzzzzz',
  rule_id: 'alrule_01hzzzzzzzzzzzzzzzzzzzzzzz',
  rule_name: 'Errors on <script>alert(1)</script>',
  group: '/api/v1/x"><img src=x onerror=alert(1)>\r\nBcc: victim@x.test',
  severity: 'warning',
  state: 'firing',
  started_at: '2024-01-15T14:04:00.000Z',
  resolved_at: null,
  last_seen_at: '2024-01-15T14:04:00.000Z',
  value: 0.2,
  threshold: 0.05,
  summary: 'A & B <b>bold</b>',
  details: {},
  acknowledged_at: null,
  acknowledged_by: null,
};

describe('formatAlertEmail', () => {
  it('escapes every value in the HTML part and keeps the text part as it is', () => {
    const email = formatAlertEmail(alert, 'fired');
    expect(email.html).not.toContain('<script>');
    expect(email.html).not.toContain('<img');
    expect(email.html).not.toContain('<b>bold</b>');
    expect(email.html).toContain('A &amp; B &lt;b&gt;bold&lt;/b&gt;');
    expect(email.html).toContain('Errors on &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(email.text.split('\n')[0]).toBe('A & B <b>bold</b>');
  });

  it('keeps the subject on one line whatever the values hold', () => {
    const { subject } = formatAlertEmail(alert, 'fired');
    expect(subject).not.toMatch(/[\r\n]/);
    expect(subject.startsWith('[KeyManager] FIRING warning: Errors on <script>')).toBe(true);
  });

  it('a resolution says so, with when', () => {
    const email = formatAlertEmail(
      { ...alert, state: 'resolved', resolved_at: '2024-01-15T14:20:00.000Z' },
      'resolved',
    );
    expect(email.subject.startsWith('[KeyManager] RESOLVED warning:')).toBe(true);
    expect(email.text).toContain('Resolved: 2024-01-15T14:20:00.000Z');
    expect(email.text).toContain('Resolved: the condition cleared. When it fired: A & B <b>bold</b>');
  });
});
