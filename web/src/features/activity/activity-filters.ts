import { ACTIVITY_ACTIONS } from '../../api/types.js';
import type { FilterField } from '../../components/filters/filters.js';

/** Dashboard → Activity Logs: by date, admin user and action type (the product document), and more. */
export const ACTIVITY_FILTERS: readonly FilterField[] = [
  { name: 'from', label: 'From', kind: 'datetime', edge: 'start' },
  { name: 'to', label: 'To', kind: 'datetime', edge: 'end' },
  { name: 'admin', label: 'Admin user', kind: 'text', placeholder: 'email or API key name' },
  { name: 'action_type', label: 'Action type', kind: 'select', options: ACTIVITY_ACTIONS },
  { name: 'resource', label: 'Resource', kind: 'text', placeholder: 'license or lic_…' },
  { name: 'result', label: 'Result', kind: 'select', options: ['success', 'failure', 'pending'] },
  { name: 'q', label: 'Text', kind: 'text', placeholder: 'search details' },
];
