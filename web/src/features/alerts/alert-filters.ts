import type { FilterField } from '../../components/filters/filters.js';
import { ALERT_STATES, SEVERITIES } from './alerts-api.js';

export const ALERT_FILTERS: readonly FilterField[] = [
  { name: 'from', label: 'Started from', kind: 'datetime', edge: 'start' },
  { name: 'to', label: 'Started before', kind: 'datetime', edge: 'end' },
  { name: 'state', label: 'State', kind: 'select', options: ALERT_STATES },
  { name: 'severity', label: 'Severity', kind: 'select', options: SEVERITIES },
];
