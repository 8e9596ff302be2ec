import { BLOCK_REASONS } from '../../api/types.js';
import type { FilterField } from '../../components/filters/filters.js';
import { COUNTRY, integerBetween, ipOrRange } from '../../components/filters/validators.js';

export const BLOCKED_FILTERS: readonly FilterField[] = [
  { name: 'from', label: 'From', kind: 'datetime', edge: 'start' },
  { name: 'to', label: 'To', kind: 'datetime', edge: 'end' },
  { name: 'block_reason', label: 'Reason', kind: 'select', options: BLOCK_REASONS },
  {
    name: 'ip',
    label: 'Address',
    kind: 'text',
    placeholder: '203.0.113.7 or /24',
    width: 18,
    validate: ipOrRange,
  },
  { name: 'country', label: 'Country', kind: 'text', placeholder: 'KP', width: 4, validate: COUNTRY },
  {
    name: 'min_threat_score',
    label: 'Threat score at least',
    kind: 'text',
    width: 4,
    validate: integerBetween(0, 100),
  },
  { name: 'rule_id', label: 'Rule', kind: 'text', placeholder: 'rule_… or built-in' },
  { name: 'q', label: 'Text', kind: 'text' },
];
