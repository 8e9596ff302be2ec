import { useState, type FormEvent } from 'react';
import { catalogue } from '../../api/endpoints.js';
import type { Product } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { FormError } from '../../components/FormError.js';
import { Pager } from '../../components/Pager.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { useCursors } from '../../components/usePagedList.js';

export function ProductsPage() {
  const { can } = useAuth();
  const { cursors, cursor, setCursors } = useCursors('products');
  const list = useApi(() => catalogue.products({ limit: 50, cursor }), `products|${cursor ?? ''}`);
  const [editing, setEditing] = useState<Product | null>(null);

  return (
    <section>
      <h1>Products</h1>
      {can('products:write') && (
        <ProductForm
          key={editing?.id ?? 'new'}
          product={editing}
          onDone={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      {list.state === 'loading' && <Loading what="Loading products" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && (
        <Empty>No products yet. Create the first one above.</Empty>
      )}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <>
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Code</th>
                <th scope="col">Id</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="muted">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((product) => (
                <tr key={product.id}>
                  <td>{product.name}</td>
                  <td>{product.code ?? '—'}</td>
                  <td>
                    <code>{product.id}</code>
                  </td>
                  <td>
                    <Timestamp value={product.created_at} />
                  </td>
                  <td>
                    {can('products:write') && (
                      <button type="button" onClick={() => setEditing(product)}>
                        Edit {product.name}
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

function ProductForm({ product, onDone }: { product: Product | null; onDone: () => void }) {
  const [name, setName] = useState(product?.name ?? '');
  const [code, setCode] = useState(product?.code ?? '');
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const saved = product
        ? await catalogue.updateProduct(product.id, { name, code: code || null })
        : await catalogue.createProduct({ name, ...(code ? { code } : {}) });
      setDone(`${product ? 'Saved' : 'Created'} ${saved.name} (${saved.id}).`);
      if (!product) {
        setName('');
        setCode('');
      }
      onDone();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form className="card filters" onSubmit={submit} aria-label={product ? 'Edit product' : 'New product'}>
      <label>
        Product name
        <input value={name} required onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Code
        <input value={code} placeholder="acme-editor" onChange={(e) => setCode(e.target.value)} />
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          {product ? 'Save product' : 'Create product'}
        </button>
        {product && (
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
