/**
 * The email templates the server sends, each with the closed list of variables it may use (README
 * "Email templates"). A template naming anything else is refused when saved, so a typo shows at once
 * rather than as an empty gap in a customer's email.
 */
export const EMAIL_TEMPLATE_KINDS = [
  'license_issued',
  'license_expiring',
  'license_expired',
  'license_suspended',
  'alert',
] as const;
export type EmailTemplateKind = (typeof EMAIL_TEMPLATE_KINDS)[number];

export interface EmailTemplateContent {
  subject: string;
  text_body: string;
  html_body: string;
}

interface KindSpec {
  description: string;
  /** Variable name → an example value, used by the preview when none is given. */
  variables: Record<string, string>;
  defaults: EmailTemplateContent;
}

const LICENSE_VARIABLES = {
  customer_name: 'Ada Lovelace',
  product_name: 'Analytical Engine Pro',
  license_id: 'lic_01jabcdefghjkmnpqrstvwxyz0',
  license_key_masked: 'XXXX-XXXX-XXXX-7K2M',
  expires_at: '2027-01-31T00:00:00.000Z',
};

export const EMAIL_TEMPLATE_SPECS: Record<EmailTemplateKind, KindSpec> = {
  license_issued: {
    description: 'Sent to the customer when a licence is created for them.',
    // The one email that carries the full key: it is how the customer receives it.
    variables: { ...LICENSE_VARIABLES, license_key: 'K7Q2-9XWD-MP4T-7K2M', max_activations: '3' },
    defaults: {
      subject: 'Your licence for {{product_name}}',
      text_body:
        'Hello {{customer_name}},\n\nYour licence for {{product_name}} is ready.\n\nLicence key: {{license_key}}\n' +
        '{{#expires_at}}Valid until: {{expires_at}}\n{{/expires_at}}\nThank you.\n',
      html_body:
        '<p>Hello {{customer_name}},</p><p>Your licence for <strong>{{product_name}}</strong> is ready.</p>' +
        '<p>Licence key: <code>{{license_key}}</code></p>{{#expires_at}}<p>Valid until: {{expires_at}}</p>{{/expires_at}}' +
        '<p>Thank you.</p>',
    },
  },
  license_expiring: {
    description: 'Sent to the customer a configured number of days before a licence expires.',
    variables: { ...LICENSE_VARIABLES, days_left: '14' },
    defaults: {
      subject: 'Your {{product_name}} licence expires in {{days_left}} days',
      text_body:
        'Hello {{customer_name}},\n\nYour licence {{license_key_masked}} for {{product_name}} expires on ' +
        '{{expires_at}} ({{days_left}} days from now).\n',
      html_body:
        '<p>Hello {{customer_name}},</p><p>Your licence <code>{{license_key_masked}}</code> for ' +
        '<strong>{{product_name}}</strong> expires on {{expires_at}} ({{days_left}} days from now).</p>',
    },
  },
  license_expired: {
    description: 'Sent to the customer when a licence has expired.',
    variables: { ...LICENSE_VARIABLES },
    defaults: {
      subject: 'Your {{product_name}} licence has expired',
      text_body:
        'Hello {{customer_name}},\n\nYour licence {{license_key_masked}} for {{product_name}} expired on {{expires_at}}.\n',
      html_body:
        '<p>Hello {{customer_name}},</p><p>Your licence <code>{{license_key_masked}}</code> for ' +
        '<strong>{{product_name}}</strong> expired on {{expires_at}}.</p>',
    },
  },
  license_suspended: {
    description: 'Sent to the customer when a licence is suspended.',
    variables: { ...LICENSE_VARIABLES, reason: 'Payment overdue' },
    defaults: {
      subject: 'Your {{product_name}} licence has been suspended',
      text_body:
        'Hello {{customer_name}},\n\nYour licence {{license_key_masked}} for {{product_name}} has been suspended.\n' +
        'Reason: {{reason}}\n',
      html_body:
        '<p>Hello {{customer_name}},</p><p>Your licence <code>{{license_key_masked}}</code> for ' +
        '<strong>{{product_name}}</strong> has been suspended.</p><p>Reason: {{reason}}</p>',
    },
  },
  alert: {
    description: 'Sent to alert recipients when an alert rule fires or resolves.',
    variables: {
      rule_name: 'Authentication failure rate',
      severity: 'high',
      state: 'firing',
      summary: '14% of authentications failed over 5 minutes',
      fired_at: '2026-12-05T10:00:00.000Z',
    },
    defaults: {
      subject: '[{{severity}}] {{rule_name}} is {{state}}',
      text_body: '{{rule_name}} ({{severity}}) is {{state}} since {{fired_at}}.\n\n{{summary}}\n',
      html_body:
        '<p><strong>{{rule_name}}</strong> ({{severity}}) is {{state}} since {{fired_at}}.</p><p>{{summary}}</p>',
    },
  },
};
