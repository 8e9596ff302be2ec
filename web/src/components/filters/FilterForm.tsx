import { useId, useState, type FormEvent, type ReactElement } from 'react';
import {
  emptyValues,
  filterErrors,
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
  const formId = useId();
  const [draft, setDraft] = useState<FilterValues>(() => ({ ...emptyValues(fields), ...values }));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const set = (name: string, value: string) => {
    setDraft((d) => ({ ...d, [name]: value }));
    // A corrected field stops being marked at once; the others keep their message until Apply.
    setErrors(({ [name]: _fixed, ...rest }) => rest);
  };

  function submit(event: FormEvent) {
    event.preventDefault();
    const found = filterErrors(fields, draft);
    setErrors(found);
    // Nothing is sent while a filter is wrong: the list keeps showing the last valid search.
    if (Object.keys(found).length > 0) return;
    onApply(urlFromValues(fields, draft));
  }

  function reset() {
    setDraft(emptyValues(fields));
    setErrors({});
    onApply(new URLSearchParams());
  }

  /** aria attributes and the message of a field in error. */
  const problem = (name: string) => {
    const message = errors[name];
    const id = `${formId}-${name}-error`;
    return {
      attributes: { 'aria-invalid': Boolean(message), 'aria-describedby': message ? id : undefined },
      message: message ? (
        <small id={id} className="field-error">
          {message}
        </small>
      ) : null,
    };
  };
  const count = Object.keys(errors).length;

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
        const { attributes, message } = problem(field.name);
        // The message sits beside the input, not in its label: the field's name stays its name. Always
        // wrapped, so fixing a field does not remount its input and take the focus away.
        const withMessage = (label: ReactElement) => (
          <div key={field.name} className="filter-field">
            {label}
            {message}
          </div>
        );
        if (field.kind === 'datetime') {
          return withMessage(
            <label key={field.name}>
              {field.label}
              <input
                type="datetime-local"
                name={field.name}
                value={isoToLocalInput(value)}
                onChange={(e) => set(field.name, localInputToIso(e.target.value, field.edge))}
                {...attributes}
              />
            </label>,
          );
        }
        return withMessage(
          <label key={field.name}>
            {field.label}
            <input
              type="text"
              name={field.name}
              value={value}
              placeholder={field.placeholder}
              size={field.width}
              onChange={(e) => set(field.name, e.target.value)}
              {...attributes}
            />
          </label>,
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
      {count > 0 && (
        <p className="form-error" role="alert">
          {count === 1 ? 'One filter needs' : `${count} filters need`} correcting; nothing was searched.
        </p>
      )}
    </form>
  );
}
