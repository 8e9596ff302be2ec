import { useState, type FormEvent } from 'react';
import { security } from '../../api/endpoints.js';
import type { RateLimits } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { FormError } from '../../components/FormError.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';

const RULE_TYPES = [
  { value: 'ip', label: 'IP address or CIDR range' },
  { value: 'country', label: 'Country (ISO code)' },
  { value: 'user_agent', label: 'User agent text' },
  { value: 'api_key', label: 'API key id' },
] as const;

export function RulesPage() {
  const { can } = useAuth();
  const writable = can('security:write');
  return (
    <section>
      <h1>Security Rules</h1>
      <BlocklistSection writable={writable} />
      <AllowlistSection writable={writable} />
      <RateLimitSection writable={writable} />
    </section>
  );
}

function BlocklistSection({ writable }: { writable: boolean }) {
  const rules = useApi(() => security.rules({ limit: 200 }), 'rules');
  const [type, setType] = useState('ip');
  const [value, setValue] = useState('');
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);

  async function add(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await security.createRule({ type, value: value.trim(), reason: reason.trim() || null });
      setValue('');
      setReason('');
      rules.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  async function lift(id: string) {
    setError(null);
    try {
      await security.deleteRule(id);
      rules.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <div className="card">
      <h2>Blocklist</h2>
      <p className="muted">Rules in force, newest first. Automatic bans appear here with their expiry.</p>
      {writable && (
        <form className="filters" onSubmit={add} aria-label="New rule">
          <label>
            Rule type
            <select value={type} onChange={(e) => setType(e.target.value)}>
              {RULE_TYPES.map((t) => (
                <option key={t.value} value={t.value}>
                  {t.label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Value
            <input required value={value} onChange={(e) => setValue(e.target.value)} />
          </label>
          <label>
            Reason
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <div className="actions">
            <button type="submit" className="primary">
              Block
            </button>
          </div>
        </form>
      )}
      <FormError error={error} />
      {rules.state === 'loading' && <Loading what="Loading rules" />}
      {rules.state === 'error' && <ErrorState error={rules.error} onRetry={rules.reload} />}
      {rules.state === 'ready' && rules.data.data.length === 0 && <Empty>No rule is in force.</Empty>}
      {rules.state === 'ready' && rules.data.data.length > 0 && (
        <table aria-label="Rules">
          <thead>
            <tr>
              <th scope="col">Type</th>
              <th scope="col">Value</th>
              <th scope="col">Reason</th>
              <th scope="col">Source</th>
              <th scope="col">Expires</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.data.data.map((rule) => (
              <tr key={rule.id}>
                <td>{rule.type}</td>
                <td>
                  <code>{rule.value}</code>
                </td>
                <td>{rule.reason ?? '—'}</td>
                <td>
                  {rule.source === 'automatic' ? 'automatic ban' : `manual (${rule.created_by ?? '—'})`}
                </td>
                <td>{rule.expires_at ? <Timestamp value={rule.expires_at} /> : 'never'}</td>
                <td>
                  {writable && (
                    <button type="button" onClick={() => void lift(rule.id)}>
                      Lift {rule.value}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function AllowlistSection({ writable }: { writable: boolean }) {
  const entries = useApi(() => security.allowlist({ limit: 200 }), 'allowlist');
  const [value, setValue] = useState('');
  const [note, setNote] = useState('');
  const [error, setError] = useState<unknown>(null);

  async function add(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await security.allow(value.trim(), note.trim() || undefined);
      setValue('');
      setNote('');
      entries.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  async function remove(id: string) {
    setError(null);
    try {
      await security.removeAllowed(id);
      entries.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <div className="card">
      <h2>Allowlist</h2>
      <p className="muted">Addresses and ranges no rule, rate limit or automatic ban applies to.</p>
      {writable && (
        <form className="filters" onSubmit={add} aria-label="Allow an address">
          <label>
            Address or range
            <input required value={value} onChange={(e) => setValue(e.target.value)} />
          </label>
          <label>
            Note
            <input value={note} onChange={(e) => setNote(e.target.value)} />
          </label>
          <div className="actions">
            <button type="submit" className="primary">
              Allow
            </button>
          </div>
        </form>
      )}
      <FormError error={error} />
      {entries.state === 'loading' && <Loading what="Loading the allowlist" />}
      {entries.state === 'error' && <ErrorState error={entries.error} onRetry={entries.reload} />}
      {entries.state === 'ready' && entries.data.data.length === 0 && <Empty>The allowlist is empty.</Empty>}
      {entries.state === 'ready' && entries.data.data.length > 0 && (
        <table aria-label="Allowlist">
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Note</th>
              <th scope="col">Added</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {entries.data.data.map((entry) => (
              <tr key={entry.id}>
                <td>
                  <code>{entry.value}</code>
                </td>
                <td>{entry.note ?? '—'}</td>
                <td>
                  <Timestamp value={entry.created_at} />
                </td>
                <td>
                  {writable && (
                    <button type="button" onClick={() => void remove(entry.id)}>
                      Remove {entry.value}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

const LIMITS = [
  { key: 'per_ip', label: 'Per address' },
  { key: 'per_api_key', label: 'Per API key' },
  { key: 'per_license_key', label: 'Per licence key' },
] as const;

function RateLimitSection({ writable }: { writable: boolean }) {
  const limits = useApi(() => security.rateLimits(), 'rate-limits');
  return (
    <div className="card">
      <h2>Rate limits</h2>
      {limits.state === 'loading' && <Loading what="Loading rate limits" />}
      {limits.state === 'error' && <ErrorState error={limits.error} onRetry={limits.reload} />}
      {limits.state === 'ready' && <RateLimitForm initial={limits.data} writable={writable} />}
    </div>
  );
}

function RateLimitForm({ initial, writable }: { initial: RateLimits; writable: boolean }) {
  const toText = (l: RateLimits) =>
    Object.fromEntries(
      LIMITS.map(({ key }) => [key, { limit: String(l[key].limit), window: String(l[key].window_seconds) }]),
    ) as Record<(typeof LIMITS)[number]['key'], { limit: string; window: string }>;
  const [form, setForm] = useState(() => toText(initial));
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);

  async function save(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setSaved(false);
    try {
      const patch = Object.fromEntries(
        LIMITS.map(({ key }) => [
          key,
          { limit: Number(form[key].limit), window_seconds: Number(form[key].window) },
        ]),
      );
      setForm(toText(await security.saveRateLimits(patch)));
      setSaved(true);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form onSubmit={save} aria-label="Rate limits">
      <table>
        <thead>
          <tr>
            <th scope="col">Limit</th>
            <th scope="col">Requests</th>
            <th scope="col">Window (seconds)</th>
          </tr>
        </thead>
        <tbody>
          {LIMITS.map(({ key, label }) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td>
                <input
                  aria-label={`${label}: requests`}
                  inputMode="numeric"
                  size={8}
                  disabled={!writable}
                  value={form[key].limit}
                  onChange={(e) => setForm((f) => ({ ...f, [key]: { ...f[key], limit: e.target.value } }))}
                />
              </td>
              <td>
                <input
                  aria-label={`${label}: window in seconds`}
                  inputMode="numeric"
                  size={8}
                  disabled={!writable}
                  value={form[key].window}
                  onChange={(e) => setForm((f) => ({ ...f, [key]: { ...f[key], window: e.target.value } }))}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {writable && (
        <div className="toolbar">
          <button type="submit" className="primary">
            Save rate limits
          </button>
          {saved && (
            <span className="success" role="status">
              Rate limits saved.
            </span>
          )}
        </div>
      )}
      <FormError error={error} />
    </form>
  );
}
