/**
 * Filter forms whose state lives in the URL: a reload, a shared link or the back button shows the same
 * entries. The URL holds exactly the API's query parameters (timestamps as ISO 8601 UTC), so what the
 * page asks the API is the URL's query, and nothing else.
 */

import type { Validate } from './validators.js';

export type FilterField =
  | {
      name: string;
      label: string;
      kind: 'text';
      placeholder?: string;
      width?: number;
      /** The API's rule for the value: what is wrong, or null. */
      validate?: Validate;
    }
  | {
      name: string;
      label: string;
      kind: 'select';
      options: readonly string[];
      optionLabel?: (v: string) => string;
    }
  | { name: string; label: string; kind: 'datetime'; edge: 'start' | 'end' };

export type FilterValues = Record<string, string>;

export function emptyValues(fields: readonly FilterField[]): FilterValues {
  return Object.fromEntries(fields.map((f) => [f.name, '']));
}

/** The filters the URL holds; parameters the form does not know are ignored. */
export function valuesFromUrl(fields: readonly FilterField[], params: URLSearchParams): FilterValues {
  return Object.fromEntries(fields.map((f) => [f.name, params.get(f.name) ?? '']));
}

/** Only the filters that are set, trimmed, in the form's order. */
export function urlFromValues(fields: readonly FilterField[], values: FilterValues): URLSearchParams {
  const params = new URLSearchParams();
  for (const field of fields) {
    const value = (values[field.name] ?? '').trim();
    if (value) params.set(field.name, value);
  }
  return params;
}

/**
 * What is wrong with the filters, by field name: a text the API would refuse, or an end of the time
 * range before its start. Empty when they can be sent.
 */
export function filterErrors(fields: readonly FilterField[], values: FilterValues): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const value = (values[field.name] ?? '').trim();
    if (!value || field.kind !== 'text' || !field.validate) continue;
    const message = field.validate(value);
    if (message) errors[field.name] = message;
  }
  const start = fields.find((f) => f.kind === 'datetime' && f.edge === 'start');
  const end = fields.find((f) => f.kind === 'datetime' && f.edge === 'end');
  const from = start && values[start.name];
  const to = end && values[end.name];
  if (start && end && from && to && new Date(from).getTime() > new Date(to).getTime()) {
    errors[end.name] = `Must be after ${start.label}.`;
  }
  return errors;
}

/** The API query: the URL's filters as they are (the URL already speaks the API's language). */
export function apiQuery(fields: readonly FilterField[], params: URLSearchParams): Record<string, string> {
  return Object.fromEntries(urlFromValues(fields, valuesFromUrl(fields, params)));
}

const pad = (n: number) => String(n).padStart(2, '0');

/** ISO UTC → the `datetime-local` input's text, in the viewer's time zone. */
export function isoToLocalInput(iso: string): string {
  const date = new Date(iso);
  if (!iso || Number.isNaN(date.getTime())) return '';
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/**
 * The input's local minute → ISO UTC. The API's `to` is inclusive, so an end picked as 10:05 covers
 * that whole minute.
 */
export function localInputToIso(text: string, edge: 'start' | 'end'): string {
  if (!text) return '';
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) return '';
  if (edge === 'end') date.setSeconds(59, 999);
  return date.toISOString();
}
