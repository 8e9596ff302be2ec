import { catalogue } from '../../api/endpoints.js';
import type { Customer } from '../../api/types.js';
import { CatalogueListPage, type CatalogueApi } from './CatalogueListPage.js';
import { CustomerNotes } from './CustomerNotes.js';

const api: CatalogueApi<Customer> = {
  list: catalogue.customers,
  create: (body) => catalogue.createCustomer(body as { name: string; email?: string }),
  update: (id, body) => catalogue.updateCustomer(id, body as { name?: string; email?: string | null }),
};

export function CustomersPage() {
  return (
    <CatalogueListPage<Customer>
      title="Customers"
      noun="customer"
      permission="customers:write"
      searchHint="name or email"
      api={api}
      fields={[
        { name: 'name', label: 'Customer name', required: true },
        { name: 'email', label: 'Email', type: 'email' },
      ]}
      columns={[{ header: 'Email', cell: (c) => c.email ?? '—' }]}
      detail={(customer) => <CustomerNotes key={customer.id} customer={customer} />}
    />
  );
}
