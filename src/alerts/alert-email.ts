import type { AlertView } from './alert.schemas.js';

export type AlertEvent = 'fired' | 'resolved';

export interface AlertEmail {
  subject: string;
  text: string;
  html: string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Subject lines are single lines: a value carrying a line break cannot add a header. */
const oneLine = (value: string) => value.replace(/[\r\n]+/g, ' ');

/**
 * The alert email, plain text and HTML. Kept to this one function of (alert, event) so it can later
 * be rendered through editable templates without touching the evaluation. Every value that came from
 * logs (an address, an endpoint, an admin's name) is escaped in the HTML part.
 */
export function formatAlertEmail(alert: AlertView, event: AlertEvent, portalUrl?: string): AlertEmail {
  const state = event === 'fired' ? 'FIRING' : 'RESOLVED';
  const subject = oneLine(
    `[KeyManager] ${state} ${alert.severity}: ${alert.rule_name}${alert.group ? ` (${alert.group})` : ''}`,
  );
  const lines: [string, string][] = [
    ['Rule', alert.rule_name],
    ['Severity', alert.severity],
    ['State', alert.state],
    ['Started', alert.started_at],
    ...(alert.resolved_at ? ([['Resolved', alert.resolved_at]] as [string, string][]) : []),
    ...(alert.group ? ([['For', alert.group]] as [string, string][]) : []),
    ['Measured', String(alert.value)],
    ['Threshold', String(alert.threshold)],
    ['Alert id', alert.id],
  ];
  const intro =
    event === 'fired' ? alert.summary : `Resolved: the condition cleared. When it fired: ${alert.summary}`;
  const link = portalUrl ? `${portalUrl.replace(/\/$/, '')}/alerts/${alert.id}` : null;
  const text = [
    intro,
    '',
    ...lines.map(([k, v]) => `${k}: ${v}`),
    ...(link ? ['', `Details: ${link}`] : []),
    '',
    '-- KeyManager alerts',
  ].join('\n');
  const html = [
    `<p>${escapeHtml(intro)}</p>`,
    '<table>',
    ...lines.map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`),
    '</table>',
    ...(link ? [`<p><a href="${escapeHtml(link)}">Details</a></p>`] : []),
    '<p>-- KeyManager alerts</p>',
  ].join('\n');
  return { subject, text, html };
}
