import { useState } from 'react';
import { catalogue } from '../../api/endpoints.js';
import type { License } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { FilterForm } from '../../components/filters/FilterForm.js';
import { useUrlFilters } from '../../components/filters/useUrlFilters.js';
import { Pager } from '../../components/Pager.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { useCursors } from '../../components/usePagedList.js';
import { LicenseDetail } from './LicenseDetail.js';
import { LicenseCreateForm, LicenseImportForm } from './LicenseForms.js';
import { LICENSE_FILTERS } from './license-filters.js';

export function LicensesPage() {
  const { can } = useAuth();
  const filters = useUrlFilters(LICENSE_FILTERS);
  const { cursors, cursor, setCursors } = useCursors(filters.key);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const list = useApi(
    () => catalogue.licenses({ ...filters.query, limit: 50, cursor }),
    `${filters.key}|${cursor ?? ''}`,
  );
  const products = useApi(() => catalogue.products({ limit: 200 }), 'products');
  const productName = (id: string) => products.data?.data.find((p) => p.id === id)?.name ?? id;
  const selected: License | undefined = list.data?.data.find((l) => l.id === selectedId);

  return (
    <section>
      <h1>Licences</h1>
      {can('licenses:write') && (
        <LicenseCreateForm products={products.data?.data ?? []} onCreated={list.reload} />
      )}
      <FilterForm
        key={filters.key}
        label="Licence filters"
        fields={LICENSE_FILTERS}
        values={filters.values}
        onApply={filters.apply}
      />
      <div className="toolbar">
        {can('licenses:export') && (
          <a className="button" href={catalogue.exportUrl(filters.query)} download>
            Export licences (CSV)
          </a>
        )}
      </div>
      {can('licenses:import') && <LicenseImportForm onImported={list.reload} />}
      {list.state === 'loading' && <Loading what="Loading licences" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && <Empty>No licences match.</Empty>}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <div className="split">
          <div>
            <table>
              <thead>
                <tr>
                  <th scope="col">Key</th>
                  <th scope="col">Product</th>
                  <th scope="col">Status</th>
                  <th scope="col">Activations</th>
                  <th scope="col">Expires</th>
                </tr>
              </thead>
              <tbody>
                {list.data.data.map((license) => (
                  <tr key={license.id} className={license.id === selectedId ? 'selected' : undefined}>
                    <td>
                      <button type="button" className="link" onClick={() => setSelectedId(license.id)}>
                        <code>{license.key}</code>
                      </button>
                    </td>
                    <td>{productName(license.product_id)}</td>
                    <td>
                      <span className={`badge ${license.status}`}>{license.status}</span>
                    </td>
                    <td>
                      {license.activations_used} / {license.max_activations ?? '∞'}
                    </td>
                    <td>
                      <Timestamp value={license.expires_at} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager cursors={cursors} nextCursor={list.data.next_cursor} onChange={setCursors} />
          </div>
          {selected ? (
            <LicenseDetail key={selected.id} license={selected} onChanged={list.reload} />
          ) : (
            <p className="muted">Choose a licence to suspend it, see its activations or edit it.</p>
          )}
        </div>
      )}
    </section>
  );
}
