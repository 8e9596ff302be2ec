import { useMemo, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.js';
import { settings as settingsApi } from '../../api/endpoints.js';
import type { LoggingSettings, LogName } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { ErrorState, Loading } from '../../components/States.js';
import { UnsavedChangesGuard } from '../../components/UnsavedChangesGuard.js';
import { useApi } from '../../components/useApi.js';
import { changes, LOGS, toForm, TOGGLES, type LoggingForm } from './logging-settings.js';

export function LoggingSettingsPage() {
  const loaded = useApi(() => settingsApi.logging(), 'logging-settings');
  return (
    <section>
      <h1>Settings</h1>
      <nav className="tabs" aria-label="Settings">
        <a className="active" aria-current="page" href="#logging">
          Logging
        </a>
      </nav>
      {loaded.state === 'loading' && <Loading what="Loading the logging settings" />}
      {loaded.state === 'error' && <ErrorState error={loaded.error} onRetry={loaded.reload} />}
      {loaded.state === 'ready' && <LoggingSettingsForm initial={loaded.data} />}
    </section>
  );
}

function LoggingSettingsForm({ initial }: { initial: LoggingSettings }) {
  const { can } = useAuth();
  const readOnly = !can('settings:write');
  const [saved, setSaved] = useState(initial);
  const [form, setForm] = useState<LoggingForm>(() => toForm(initial));
  const [status, setStatus] = useState<
    { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved' } | { kind: 'failed'; error: ApiError }
  >({ kind: 'idle' });
  const patch = useMemo(() => changes(saved, form), [saved, form]);
  const dirty = Object.keys(patch).length > 0;

  async function save(event: FormEvent) {
    event.preventDefault();
    if (!dirty) return;
    setStatus({ kind: 'saving' });
    try {
      const next = await settingsApi.saveLogging(patch as Partial<LoggingSettings>);
      setSaved(next);
      setForm(toForm(next));
      setStatus({ kind: 'saved' });
    } catch (error) {
      setStatus({ kind: 'failed', error: error as ApiError });
    }
  }

  const setLogField = (key: 'retention' | 'anonymize', name: LogName, value: string) =>
    setForm((f) => ({ ...f, [key]: { ...f[key], [name]: value } }));

  return (
    <form id="logging" onSubmit={save} aria-label="Logging settings">
      <UnsavedChangesGuard dirty={dirty} />
      <div className="card">
        <h2>What is logged</h2>
        {TOGGLES.map((toggle) => {
          const on = form.toggles[toggle.field];
          const headingId = `${toggle.field}-title`;
          return (
            <div className="toggle-row" key={toggle.field}>
              <div>
                <h3 id={headingId}>{toggle.title}</h3>
                <p>{toggle.description}</p>
                <p>
                  <strong>{on ? 'ON' : 'OFF'}:</strong> {on ? toggle.on : toggle.off}
                </p>
                {!on && toggle.offWarning && (
                  <p className="form-error" role="note">
                    Warning: {toggle.offWarning}
                  </p>
                )}
              </div>
              <button
                type="button"
                role="switch"
                className="switch"
                aria-checked={on}
                aria-labelledby={headingId}
                disabled={readOnly}
                onClick={() => setForm((f) => ({ ...f, toggles: { ...f.toggles, [toggle.field]: !on } }))}
              >
                {on ? 'ON' : 'OFF'}
              </button>
            </div>
          );
        })}
      </div>

      <div className="card">
        <h2>Access to logs</h2>
        <div className="toggle-row">
          <div>
            <h3 id="require-mfa-title">Require MFA for log access</h3>
            <p id="require-mfa-help">
              The high-security profile: reading, searching, exporting or charting any log in the portal needs
              a sign-in with two-factor authentication. Admins without it are refused until they set it up.
              API keys (SIEM pulls, scripts) are not affected.
            </p>
          </div>
          <button
            type="button"
            role="switch"
            className="switch"
            aria-checked={form.requireMfaForLogAccess}
            aria-labelledby="require-mfa-title"
            aria-describedby="require-mfa-help"
            disabled={readOnly}
            onClick={() => setForm((f) => ({ ...f, requireMfaForLogAccess: !f.requireMfaForLogAccess }))}
          >
            {form.requireMfaForLogAccess ? 'ON' : 'OFF'}
          </button>
        </div>
      </div>

      <div className="grid-2">
        <div className="card">
          <h2>Sampling and exclusions</h2>
          <label>
            Sample rate of successful API calls
            <input
              name="api_call_sample_rate"
              inputMode="decimal"
              value={form.sampleRate}
              disabled={readOnly}
              aria-describedby="sample-help"
              onChange={(e) => setForm((f) => ({ ...f, sampleRate: e.target.value }))}
            />
          </label>
          <p id="sample-help" className="muted">
            A fraction above 0 up to 1: 1 logs every successful call, 0.01 logs 1 in 100. Failed and blocked
            calls are never sampled out.
          </p>
          <label>
            Excluded endpoints (one route pattern a line)
            <textarea
              name="excluded_endpoints"
              rows={5}
              value={form.excludedEndpoints}
              disabled={readOnly}
              placeholder="/api/v1/licenses/validate"
              onChange={(e) => setForm((f) => ({ ...f, excludedEndpoints: e.target.value }))}
            />
          </label>
        </div>
        <div className="card">
          <h2>Retention</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Log</th>
                <th scope="col">Keep (days)</th>
                <th scope="col">Anonymise after (days, empty: never)</th>
              </tr>
            </thead>
            <tbody>
              {LOGS.map(({ name, label }) => (
                <tr key={name}>
                  <th scope="row">{label}</th>
                  <td>
                    <input
                      aria-label={`Retention of ${label} in days`}
                      inputMode="numeric"
                      size={6}
                      value={form.retention[name]}
                      disabled={readOnly}
                      onChange={(e) => setLogField('retention', name, e.target.value)}
                    />
                  </td>
                  <td>
                    <input
                      aria-label={`Anonymise ${label} after days`}
                      inputMode="numeric"
                      size={6}
                      value={form.anonymize[name]}
                      disabled={readOnly}
                      onChange={(e) => setLogField('anonymize', name, e.target.value)}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>

      <div className="toolbar">
        <button type="submit" className="primary" disabled={readOnly || !dirty || status.kind === 'saving'}>
          {status.kind === 'saving' ? 'Saving…' : 'Save Settings'}
        </button>
        <button type="button" disabled={!dirty} onClick={() => setForm(toForm(saved))}>
          Discard changes
        </button>
        {dirty && status.kind !== 'failed' && (
          <span className="unsaved" role="status">
            You have unsaved changes.
          </span>
        )}
        {/* Editing after a save replaces the confirmation with the unsaved-changes notice. */}
        {status.kind === 'saved' && !dirty && (
          <span className="success" role="status">
            Settings saved. They apply from the next request.
          </span>
        )}
      </div>
      {status.kind === 'failed' && (
        <div className="form-error" role="alert">
          <p>The settings were not saved: {status.error.message}</p>
          {status.error.fieldErrors.length > 0 && (
            <ul>
              {status.error.fieldErrors.map((f) => (
                <li key={f.field}>
                  <code>{f.field}</code> {f.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {readOnly && <p className="muted">Your role can read these settings but not change them.</p>}
    </form>
  );
}
