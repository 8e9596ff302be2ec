import { useState, type FormEvent } from 'react';
import { catalogue } from '../../api/endpoints.js';
import type { License, Product } from '../../api/types.js';
import { FormError } from '../../components/FormError.js';

export function LicenseCreateForm({ products, onCreated }: { products: Product[]; onCreated: () => void }) {
  const [productId, setProductId] = useState('');
  const [customerId, setCustomerId] = useState('');
  const [maxActivations, setMaxActivations] = useState('1');
  const [expires, setExpires] = useState('');
  const [created, setCreated] = useState<License | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setCreated(null);
    try {
      const license = await catalogue.createLicense({
        product_id: productId,
        ...(customerId.trim() ? { customer_id: customerId.trim() } : {}),
        max_activations: maxActivations.trim() === '' ? null : Number(maxActivations),
        // The end of the chosen day in the viewer's time zone.
        ...(expires ? { expires_at: new Date(`${expires}T23:59:59.999`).toISOString() } : {}),
      });
      setCreated(license);
      onCreated();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form className="card filters" onSubmit={submit} aria-label="New licence">
      <label>
        Product
        <select required value={productId} onChange={(e) => setProductId(e.target.value)}>
          <option value="">Choose a product</option>
          {products.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Customer id (optional)
        <input value={customerId} placeholder="cus_…" onChange={(e) => setCustomerId(e.target.value)} />
      </label>
      <label>
        Max activations (empty: unlimited)
        <input
          inputMode="numeric"
          size={6}
          value={maxActivations}
          onChange={(e) => setMaxActivations(e.target.value)}
        />
      </label>
      <label>
        Expires on (optional)
        <input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </label>
      <div className="actions">
        <button type="submit" className="primary">
          Create licence
        </button>
      </div>
      {created && (
        <p className="success" role="status">
          Created licence <code>{created.key}</code>
        </p>
      )}
      <FormError error={error} />
    </form>
  );
}

/** CSV in, as the API takes it; a refused file lists every bad row and imports nothing. */
export function LicenseImportForm({ onImported }: { onImported: () => void }) {
  const [csv, setCsv] = useState('');
  const [result, setResult] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setResult(null);
    try {
      const answer = (await catalogue.importLicenses(csv)) as { imported: number };
      setResult(`Imported ${answer.imported} licences.`);
      setCsv('');
      onImported();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <details className="card">
      <summary>Bulk import (CSV)</summary>
      <form onSubmit={submit} aria-label="Import licences">
        <p className="muted">
          A header row, then one licence a line:{' '}
          <code>product_id,customer_id,max_activations,expires_at,key</code>. Rows are numbered as the file
          shows them (the header is row 1).
        </p>
        <label>
          CSV file
          <input
            type="file"
            accept=".csv,text/csv"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void file.text().then(setCsv);
            }}
          />
        </label>
        <label>
          CSV text
          <textarea rows={6} value={csv} onChange={(e) => setCsv(e.target.value)} />
        </label>
        <button type="submit" className="primary" disabled={!csv.trim()}>
          Import licences
        </button>
        {result && (
          <p className="success" role="status">
            {result}
          </p>
        )}
        <FormError error={error} />
      </form>
    </details>
  );
}
