import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startSmtpReceiver, type SmtpReceiver } from '../../test/helpers/smtp-receiver.js';
import { MailerDisabledError, createMailer } from './mailer.js';

describe('mailer', () => {
  let smtp: SmtpReceiver;
  beforeEach(async () => {
    smtp = await startSmtpReceiver();
  });
  afterEach(async () => {
    await smtp.close();
  });

  it('delivers through the configured SMTP server with authentication', async () => {
    const mailer = createMailer({ url: smtp.url, from: 'KeyManager <alerts@vendor.test>' });
    await mailer.send({ to: 'security@vendor.test', subject: 'Spike', text: 'Blocked requests rose.' });
    mailer.close();
    const [email] = await smtp.waitFor(1);
    expect(email?.to).toEqual(['security@vendor.test']);
    expect(email?.from).toBe('alerts@vendor.test');
    expect(email?.raw).toContain('Subject: Spike');
    expect(email?.raw).toContain('Blocked requests rose.');
  });

  it('reports a refused login without quoting the URL or its password', async () => {
    const url = smtp.url.replace('smtp-pass-canary', 'wrong-pass-canary');
    const mailer = createMailer({ url, from: 'k@vendor.test' });
    const failure = await mailer
      .send({ to: 'a@vendor.test', subject: 's', text: 't' })
      .catch((e: Error) => e);
    mailer.close();
    expect(failure).toBeInstanceOf(Error);
    expect(String((failure as Error).message)).toMatch(/SMTP delivery failed/);
    expect(JSON.stringify(failure) + String((failure as Error).stack)).not.toContain('pass-canary');
    expect(smtp.received).toHaveLength(0);
  });

  it('is disabled without KM_SMTP_URL and says so when asked to send', async () => {
    const mailer = createMailer({ url: undefined, from: 'k@vendor.test' });
    expect(mailer.enabled).toBe(false);
    await expect(mailer.send({ to: 'a@b.test', subject: 's', text: 't' })).rejects.toBeInstanceOf(
      MailerDisabledError,
    );
  });
});
