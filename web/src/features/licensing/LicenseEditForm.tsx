import { useState, type FormEvent, type ReactElement } from 'react';
import { catalogue } from '../../api/endpoints.js';
import type { License } from '../../api/types.js';
import { FormError } from '../../components/FormError.js';

/** The API's bound on max activations. */
const MAX_ACTIVATIONS = 1_000_000;

export interface LicenseDraft {
  customerId: string;
  maxActivations: string;
  expires: string;
  features: string;
  metadata: string;
}

type Patch = Parameters<typeof catalogue.updateLicense>[1];

const pad = (n: number) => String(n).padStart(2, '0');

/** The expiry's day in the viewer's time zone, as a date input holds it. */
export function localDay(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

export function draftOf(license: License): LicenseDraft {
  return {
    customerId: license.customer_id ?? '',
    maxActivations: license.max_activations === null ? '' : String(license.max_activations),
    expires: localDay(license.expires_at),
    features: license.features.join(', '),
    metadata: JSON.stringify(license.metadata, null, 2),
  };
}

/**
 * What changed, as the API's PATCH body, or the fields in error. Unchanged fields are left out, so an
 * expiry set to the millisecond by the API is not rounded to a day by an edit of something else.
 */
export function patchOf(
  license: License,
  draft: LicenseDraft,
): { patch: Patch; errors: Partial<Record<keyof LicenseDraft, string>> } {
  const before = draftOf(license);
  const patch: Patch = {};
  const errors: Partial<Record<keyof LicenseDraft, string>> = {};

  if (draft.customerId.trim() !== before.customerId) patch.customer_id = draft.customerId.trim() || null;

  const max = draft.maxActivations.trim();
  if (max !== before.maxActivations) {
    if (max === '') patch.max_activations = null;
    else if (!/^\d+$/.test(max) || Number(max) > MAX_ACTIVATIONS) {
      errors.maxActivations = `A whole number from 0 to ${MAX_ACTIVATIONS.toLocaleString()}, or empty for unlimited.`;
    } else patch.max_activations = Number(max);
  }

  if (draft.expires !== before.expires) {
    if (draft.expires === '') patch.expires_at = null;
    else {
      // The end of the chosen day in the viewer's time zone, as when the licence is created.
      const end = new Date(`${draft.expires}T23:59:59.999`);
      if (Number.isNaN(end.getTime())) errors.expires = 'Not a date.';
      else patch.expires_at = end.toISOString();
    }
  }

  const features = draft.features
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (features.join(', ') !== before.features) {
    if (features.some((f) => f.length > 200)) errors.features = 'A feature has at most 200 characters.';
    else patch.features = features;
  }

  if (draft.metadata.trim() !== before.metadata) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(draft.metadata.trim() || '{}');
    } catch {
      errors.metadata = 'Not valid JSON.';
    }
    if (!errors.metadata) {
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        errors.metadata = 'A JSON object, such as {"seats": 5}.';
      } else if (JSON.stringify(parsed) !== JSON.stringify(license.metadata)) {
        patch.metadata = parsed as Record<string, unknown>;
      }
    }
  }
  return { patch, errors };
}

/** Edit a licence's customer, seats, expiry, features and metadata; invalid input is never sent. */
export function LicenseEditForm({
  license,
  onSaved,
  onCancel,
}: {
  license: License;
  onSaved: (license: License) => void;
  onCancel: () => void;
}) {
  const [draft, setDraft] = useState<LicenseDraft>(() => draftOf(license));
  const [errors, setErrors] = useState<Partial<Record<keyof LicenseDraft, string>>>({});
  const [error, setError] = useState<unknown>(null);
  const [note, setNote] = useState<string | null>(null);
  const set = (name: keyof LicenseDraft) => (value: string) => setDraft((d) => ({ ...d, [name]: value }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setNote(null);
    const { patch, errors: found } = patchOf(license, draft);
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    if (Object.keys(patch).length === 0) {
      setNote('Nothing has changed.');
      return;
    }
    try {
      onSaved(await catalogue.updateLicense(license.id, patch));
    } catch (failure) {
      setError(failure);
    }
  }

  const field = (
    name: keyof LicenseDraft,
    label: string,
    input: (props: {
      id: string;
      value: string;
      'aria-invalid': boolean;
      'aria-describedby': string | undefined;
      onChange: (e: { target: { value: string } }) => void;
    }) => ReactElement,
    hint?: string,
  ) => {
    const id = `licence-edit-${name}`;
    const message = errors[name];
    const described = [hint && `${id}-hint`, message && `${id}-error`].filter(Boolean).join(' ');
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        {input({
          id,
          value: draft[name],
          'aria-invalid': Boolean(message),
          'aria-describedby': described || undefined,
          onChange: (e) => set(name)(e.target.value),
        })}
        {hint && (
          <small id={`${id}-hint`} className="muted">
            {hint}
          </small>
        )}
        {message && (
          <small id={`${id}-error`} className="field-error">
            {message}
          </small>
        )}
      </div>
    );
  };

  return (
    <form className="edit-licence" onSubmit={submit} aria-label="Edit licence" noValidate>
      {field('customerId', 'Customer id', (p) => (
        <input {...p} placeholder="cus_… (empty: none)" />
      ))}
      {field(
        'maxActivations',
        'Max activations',
        (p) => (
          <input {...p} inputMode="numeric" size={8} />
        ),
        'Empty: unlimited.',
      )}
      {field(
        'expires',
        'Expires on',
        (p) => (
          <input {...p} type="date" />
        ),
        'Empty: never. The end of that day, your time.',
      )}
      {field(
        'features',
        'Features',
        (p) => (
          <input {...p} placeholder="export, sync" />
        ),
        'Separated by commas.',
      )}
      {field('metadata', 'Metadata (JSON)', (p) => (
        <textarea {...p} rows={4} spellCheck={false} />
      ))}
      <div className="actions">
        <button type="submit" className="primary">
          Save licence
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
      {note && (
        <p className="muted" role="status">
          {note}
        </p>
      )}
      {Object.keys(errors).length > 0 && (
        <p className="form-error" role="alert">
          Correct the {Object.keys(errors).length === 1 ? 'field' : 'fields'} marked above; nothing was saved.
        </p>
      )}
      <FormError error={error} />
    </form>
  );
}
