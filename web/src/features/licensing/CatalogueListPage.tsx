import { useState, type FormEvent, type ReactNode } from 'react';
import type { Query } from '../../api/client.js';
import type { Page } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { FilterForm } from '../../components/filters/FilterForm.js';
import type { FilterField } from '../../components/filters/filters.js';
import { useUrlFilters } from '../../components/filters/useUrlFilters.js';
import { FormError } from '../../components/FormError.js';
import { Pager } from '../../components/Pager.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { useCursors } from '../../components/usePagedList.js';

export interface CatalogueRow {
  id: string;
  name: string;
  created_at: string;
}

/** A text field of the create / edit form; empty means absent on create and null on edit. */
export interface CatalogueField<T> {
  name: keyof T & string;
  label: string;
  type?: 'text' | 'email';
  required?: boolean;
  placeholder?: string;
}

export interface CatalogueApi<T> {
  list: (query: Query) => Promise<Page<T>>;
  create: (body: Record<string, string>) => Promise<T>;
  update: (id: string, body: Record<string, string | null>) => Promise<T>;
}

/**
 * A catalogue list (products, customers): text search and pages whose state lives in the URL, a
 * create form that turns into an edit form for the chosen row, and an optional detail panel.
 */
export function CatalogueListPage<T extends CatalogueRow>({
  title,
  noun,
  permission,
  searchHint,
  api,
  fields,
  columns,
  detail,
}: {
  title: string;
  /** Singular, lower case: "customer". */
  noun: string;
  /** The write permission, "customers:write". */
  permission: string;
  /** What the search matches, as its placeholder: "name or email". */
  searchHint: string;
  api: CatalogueApi<T>;
  fields: readonly CatalogueField<T>[];
  /** Columns between the name and the id. */
  columns: readonly { header: string; cell: (row: T) => ReactNode }[];
  /** Shown beside the list for the row chosen with its name. */
  detail?: (row: T) => ReactNode;
}) {
  const { can } = useAuth();
  const [searchFields] = useState<readonly FilterField[]>(() => [
    { name: 'q', label: 'Search', kind: 'text', placeholder: searchHint, width: 24 },
  ]);
  const filters = useUrlFilters(searchFields);
  const { cursors, cursor, setCursors } = useCursors(filters.key);
  const list = useApi(
    () => api.list({ ...filters.query, limit: 50, cursor }),
    `${filters.key}|${cursor ?? ''}`,
  );
  const [editing, setEditing] = useState<T | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const selected = list.data?.data.find((row) => row.id === selectedId);
  const plural = title.toLowerCase();

  const table = list.state === 'ready' && list.data.data.length > 0 && (
    <div>
      <table aria-label={title}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {columns.map((c) => (
              <th scope="col" key={c.header}>
                {c.header}
              </th>
            ))}
            <th scope="col">Id</th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="muted">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {list.data.data.map((row) => (
            <tr key={row.id} className={row.id === selectedId ? 'selected' : undefined}>
              <td>
                {detail ? (
                  <button
                    type="button"
                    className="link"
                    aria-pressed={row.id === selectedId}
                    onClick={() => setSelectedId(row.id)}
                  >
                    {row.name}
                  </button>
                ) : (
                  row.name
                )}
              </td>
              {columns.map((c) => (
                <td key={c.header}>{c.cell(row)}</td>
              ))}
              <td>
                <code>{row.id}</code>
              </td>
              <td>
                <Timestamp value={row.created_at} />
              </td>
              <td>
                {can(permission) && (
                  <button type="button" onClick={() => setEditing(row)}>
                    Edit {row.name}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Pager cursors={cursors} nextCursor={list.data.next_cursor} onChange={setCursors} />
    </div>
  );

  return (
    <section>
      <h1>{title}</h1>
      {can(permission) && (
        <CatalogueForm
          key={editing?.id ?? 'new'}
          noun={noun}
          api={api}
          fields={fields}
          row={editing}
          onDone={() => {
            setEditing(null);
            list.reload();
          }}
        />
      )}
      <FilterForm
        key={filters.key}
        label={`Search ${plural}`}
        fields={searchFields}
        values={filters.values}
        onApply={filters.apply}
      />
      {list.state === 'loading' && <Loading what={`Loading ${plural}`} />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && (
        <Empty>
          {filters.query.q
            ? `No ${plural} match “${filters.query.q}”.`
            : `No ${plural} yet. Create the first one above.`}
        </Empty>
      )}
      {table &&
        (detail ? (
          <div className="split">
            {table}
            {selected ? detail(selected) : <p className="muted">Choose a {noun} by its name to see more.</p>}
          </div>
        ) : (
          table
        ))}
    </section>
  );
}

function CatalogueForm<T extends CatalogueRow>({
  noun,
  api,
  fields,
  row,
  onDone,
}: {
  noun: string;
  api: CatalogueApi<T>;
  fields: readonly CatalogueField<T>[];
  row: T | null;
  onDone: () => void;
}) {
  const initial = () =>
    Object.fromEntries(fields.map((f) => [f.name, row ? String(row[f.name] ?? '') : ''])) as Record<
      string,
      string
    >;
  const [values, setValues] = useState<Record<string, string>>(initial);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    try {
      const trimmed = Object.entries(values).map(([name, value]) => [name, value.trim()] as const);
      const saved = row
        ? await api.update(row.id, Object.fromEntries(trimmed.map(([n, v]) => [n, v || null])))
        : await api.create(Object.fromEntries(trimmed.filter(([, v]) => v !== '')));
      setDone(`${row ? 'Saved' : 'Created'} ${saved.name} (${saved.id}).`);
      if (!row) setValues(Object.fromEntries(fields.map((f) => [f.name, ''])));
      onDone();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form className="card filters" onSubmit={submit} aria-label={row ? `Edit ${noun}` : `New ${noun}`}>
      {fields.map((field) => (
        <label key={field.name}>
          {field.label}
          <input
            type={field.type ?? 'text'}
            value={values[field.name] ?? ''}
            required={field.required}
            placeholder={field.placeholder}
            onChange={(e) => setValues((v) => ({ ...v, [field.name]: e.target.value }))}
          />
        </label>
      ))}
      <div className="actions">
        <button type="submit" className="primary">
          {row ? `Save ${noun}` : `Create ${noun}`}
        </button>
        {row && (
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
