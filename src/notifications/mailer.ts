import nodemailer from 'nodemailer';
import type { Config } from '../config/config.js';

export interface OutgoingEmail {
  to: string | string[];
  subject: string;
  text: string;
  html?: string;
}

export interface Mailer {
  /** False when no `KM_SMTP_URL` is set: callers record "not sent" instead of failing. */
  readonly enabled: boolean;
  send(email: OutgoingEmail): Promise<{ messageId: string }>;
  close(): void;
}

export class MailerDisabledError extends Error {
  constructor() {
    super('No SMTP server is configured (KM_SMTP_URL)');
  }
}

/** One SMTP transport for every email the server sends (alerts, licence notifications). */
export function createMailer(smtp: Config['smtp']): Mailer {
  if (!smtp.url) {
    return {
      enabled: false,
      send: () => Promise.reject(new MailerDisabledError()),
      close: () => {},
    };
  }
  const transport = nodemailer.createTransport(smtp.url);
  return {
    enabled: true,
    async send(email) {
      try {
        const info = await transport.sendMail({ from: smtp.from, ...email });
        return { messageId: String(info.messageId) };
      } catch (error) {
        // nodemailer's errors can quote the connection URL, and with it the SMTP password.
        throw new Error(`SMTP delivery failed: ${smtpFailureReason(error)}`);
      }
    },
    close: () => transport.close(),
  };
}

function smtpFailureReason(error: unknown): string {
  const code = (error as { code?: unknown; responseCode?: unknown }) ?? {};
  if (typeof code.responseCode === 'number') return `server answered ${code.responseCode}`;
  if (typeof code.code === 'string') return code.code;
  return 'unknown error';
}
