import { useState, type FormEvent } from 'react';
import {
  emptyValues,
  isoToLocalInput,
  localInputToIso,
  urlFromValues,
  type FilterField,
  type FilterValues,
} from './filters.js';

/**
 * The form edits a draft; Apply writes it to the URL, Reset empties both. The parent re-mounts the form
 * (key) when the URL changes from outside (back button, a link), so the draft always starts from it.
 */
export function FilterForm({
  label,
  fields,
  values,
  onApply,
}: {
  label: string;
  fields: readonly FilterField[];
  values: FilterValues;
  onApply: (params: URLSearchParams) => void;
}) {
  const [draft, setDraft] = useState<FilterValues>(() => ({ ...emptyValues(fields), ...values }));
  const set = (name: string, value: string) => setDraft((d) => ({ ...d, [name]: value }));

  function submit(event: FormEvent) {
    event.preventDefault();
    onApply(urlFromValues(fields, draft));
  }

  function reset() {
    setDraft(emptyValues(fields));
    onApply(new URLSearchParams());
  }

  return (
    <form className="card filters" role="search" aria-label={label} onSubmit={submit}>
      {fields.map((field) => {
        const value = draft[field.name] ?? '';
        if (field.kind === 'select') {
          return (
            <label key={field.name}>
              {field.label}
              <select name={field.name} value={value} onChange={(e) => set(field.name, e.target.value)}>
                <option value="">Any</option>
                {field.options.map((option) => (
                  <option key={option} value={option}>
                    {field.optionLabel ? field.optionLabel(option) : option}
                  </option>
                ))}
              </select>
            </label>
          );
        }
        if (field.kind === 'datetime') {
          return (
            <label key={field.name}>
              {field.label}
              <input
                type="datetime-local"
                name={field.name}
                value={isoToLocalInput(value)}
                onChange={(e) => set(field.name, localInputToIso(e.target.value, field.edge))}
              />
            </label>
          );
        }
        return (
          <label key={field.name}>
            {field.label}
            <input
              type="text"
              name={field.name}
              value={value}
              placeholder={field.placeholder}
              size={field.width}
              onChange={(e) => set(field.name, e.target.value)}
            />
          </label>
        );
      })}
      <div className="actions">
        <button type="submit" className="primary">
          Apply filters
        </button>
        <button type="button" onClick={reset}>
          Reset
        </button>
      </div>
    </form>
  );
}
