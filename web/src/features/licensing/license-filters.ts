import type { FilterField } from '../../components/filters/filters.js';

export const LICENSE_FILTERS: readonly FilterField[] = [
  { name: 'q', label: 'Search', kind: 'text', placeholder: "key, or customer's name or email", width: 26 },
  { name: 'status', label: 'Status', kind: 'select', options: ['active', 'suspended', 'expired', 'revoked'] },
  { name: 'product_id', label: 'Product id', kind: 'text', placeholder: 'prd_…' },
  { name: 'customer_id', label: 'Customer id', kind: 'text', placeholder: 'cus_…' },
];
