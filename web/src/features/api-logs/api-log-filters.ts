import type { FilterField } from '../../components/filters/filters.js';
import { ERROR_CODE, HTTP_STATUS, lengthBetween, ROUTE } from '../../components/filters/validators.js';

/** Analytics → API Logs: by endpoint, status, customer, licence key and time range (the product document). */
export const API_LOG_FILTERS: readonly FilterField[] = [
  { name: 'from', label: 'From', kind: 'datetime', edge: 'start' },
  { name: 'to', label: 'To', kind: 'datetime', edge: 'end' },
  {
    name: 'endpoint',
    label: 'Endpoint',
    kind: 'text',
    placeholder: '/api/v1/licenses/activate',
    width: 26,
    validate: ROUTE,
  },
  {
    name: 'status',
    label: 'Status',
    kind: 'text',
    placeholder: '404 or 4xx',
    width: 8,
    validate: HTTP_STATUS,
  },
  { name: 'customer_id', label: 'Customer id', kind: 'text', placeholder: 'cus_…' },
  {
    name: 'license_key',
    label: 'Licence key',
    kind: 'text',
    placeholder: 'full key',
    validate: lengthBetween(8, 128, 'A licence key'),
  },
  { name: 'q', label: 'Text', kind: 'text' },
];

export const FAILURE_FILTERS: readonly FilterField[] = [
  ...API_LOG_FILTERS.slice(0, 4),
  { name: 'error_code', label: 'Error code', kind: 'text', placeholder: 'ERR_…', validate: ERROR_CODE },
  ...API_LOG_FILTERS.slice(4),
];

/**
 * The analytics routes take a subset of the list's filters, with a status class apart from a code.
 * Filters they do not take (customer, licence key, text) narrow the list only.
 */
export function chartQuery(query: Record<string, string>): Record<string, string> {
  const chart: Record<string, string> = {};
  for (const name of ['from', 'to', 'endpoint', 'error_code'] as const) {
    if (query[name]) chart[name] = query[name];
  }
  const status = query.status;
  if (status && /^[1-5]xx$/.test(status)) chart.status_class = status;
  else if (status) chart.status = status;
  return chart;
}

/** Hourly buckets for up to a week, daily beyond (the analytics API lists at most 2,000 buckets). */
export function bucketFor(query: Record<string, string>, now: Date = new Date()): 'minute' | 'hour' | 'day' {
  const to = query.to ? new Date(query.to) : now;
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 24 * 3600_000);
  const hours = (to.getTime() - from.getTime()) / 3600_000;
  if (hours <= 3) return 'minute';
  return hours <= 24 * 7 ? 'hour' : 'day';
}
