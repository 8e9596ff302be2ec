import { useState, type FormEvent } from 'react';
import { catalogue } from '../../api/endpoints.js';
import type { Customer } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { FormError } from '../../components/FormError.js';
import { Pager } from '../../components/Pager.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { useCursors } from '../../components/usePagedList.js';

export function CustomersPage() {
  const { can } = useAuth();
  const { cursors, cursor, setCursors } = useCursors('customers');
  const list = useApi(() => catalogue.customers({ limit: 50, cursor }), `customers|${cursor ?? ''}`);
  const [editing, setEditing] = useState<Customer | null>(null);

  return (
    <section>
      <h1>Customers</h1>
      {can('customers:write') && (
        <CustomerForm
          key={editing?.id ?? 'new'}
          customer={editing}
          onDone={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      {list.state === 'loading' && <Loading what="Loading customers" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && (
        <Empty>No customers yet. Create the first one above.</Empty>
      )}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Id</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="muted">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((customer) => (
                <tr key={customer.id}>
                  <td>{customer.name}</td>
                  <td>{customer.email ?? '—'}</td>
                  <td>
                    <code>{customer.id}</code>
                  </td>
                  <td>
                    <Timestamp value={customer.created_at} />
                  </td>
                  <td>
                    {can('customers:write') && (
                      <button type="button" onClick={() => setEditing(customer)}>
                        Edit {customer.name}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager cursors={cursors} nextCursor={list.data.next_cursor} onChange={setCursors} />
        </>
      )}
    </section>
  );
}

function CustomerForm({ customer, onDone }: { customer: Customer | null; onDone: () => void }) {
  const [name, setName] = useState(customer?.name ?? '');
  const [email, setEmail] = useState(customer?.email ?? '');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const saved = customer
        ? await catalogue.updateCustomer(customer.id, { name, email: email || null })
        : await catalogue.createCustomer({ name, ...(email ? { email } : {}) });
      setDone(`${customer ? 'Saved' : 'Created'} ${saved.name} (${saved.id}).`);
      if (!customer) {
        setName('');
        setEmail('');
      }
      onDone();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form className="card filters" onSubmit={submit} aria-label={customer ? 'Edit customer' : 'New customer'}>
      <label>
        Customer name
        <input value={name} required onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Email
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} />
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          {customer ? 'Save customer' : 'Create customer'}
        </button>
        {customer && (
          <button type="button" onClick={onDone}>
            Cancel
          </button>
        )}
      </div>
      {done && (
        <p className="success" role="status">
          {done}
        </p>
      )}
      <FormError error={error} />
    </form>
  );
}
