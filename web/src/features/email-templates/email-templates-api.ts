import { api } from '../../api/client.js';
import type { Page } from '../../api/types.js';

export interface EmailTemplate {
  kind: string;
  description: string;
  variables: string[];
  /** 0 while the shipped default is in use. */
  version: number;
  is_default: boolean;
  subject: string;
  text_body: string;
  html_body: string;
  updated_by: string | null;
  updated_at: string | null;
}

export interface EmailTemplateVersion {
  id: string;
  version: number;
  subject: string;
  created_by: string | null;
  created_at: string;
}

export interface TemplateFields {
  subject: string;
  text_body: string;
  html_body: string;
}

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

const path = (kind: string) => `/email-templates/${encodeURIComponent(kind)}`;

export const emailTemplates = {
  list: () => api.get<{ data: EmailTemplate[] }>('/email-templates'),
  save: (kind: string, body: TemplateFields) => api.put<EmailTemplate>(path(kind), body),
  versions: (kind: string) => api.get<Page<EmailTemplateVersion>>(`${path(kind)}/versions`, { limit: 50 }),
  preview: (kind: string, body: TemplateFields & { variables: Record<string, string> }) =>
    api.post<RenderedEmail>(`${path(kind)}/preview`, body),
};
