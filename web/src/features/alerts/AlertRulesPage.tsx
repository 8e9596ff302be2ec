import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.js';
import { useAuth } from '../../auth/AuthContext.js';
import { FormError } from '../../components/FormError.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { useApi } from '../../components/useApi.js';
import { SEVERITIES, alerts, type AlertRule, type RulePatch } from './alerts-api.js';

const CUSTOM_EXAMPLE = JSON.stringify(
  { type: 'custom', log: 'failed-api-calls', metric: 'count', threshold: 50, window_minutes: 5 },
  null,
  2,
);

export function AlertRulesPage() {
  const { can } = useAuth();
  const writable = can('settings:write');
  const rules = useApi(() => alerts.rules(), 'alert-rules');
  const [editing, setEditing] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function toggle(rule: AlertRule) {
    setError(null);
    setNotice(null);
    try {
      await alerts.updateRule(rule.id, { enabled: !rule.enabled });
      setNotice(`${rule.name} is ${rule.enabled ? 'disabled' : 'enabled'}.`);
      rules.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <section>
      <h1>Alert rules</h1>
      <p className="muted">Built-in rules for the usual incidents, and rules of your own over the logs.</p>
      {writable && !creating && (
        <div className="toolbar">
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New custom rule
          </button>
        </div>
      )}
      {creating && (
        <RuleForm
          label="New custom rule"
          submitLabel="Create rule"
          onCancel={() => setCreating(false)}
          onSubmit={async (patch) => {
            await alerts.createRule(patch);
            setCreating(false);
            setNotice(`${patch.name ?? 'The rule'} is created.`);
            rules.reload();
          }}
        />
      )}
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <FormError error={error} />
      {rules.state === 'loading' && <Loading what="Loading alert rules" />}
      {rules.state === 'error' && <ErrorState error={rules.error} onRetry={rules.reload} />}
      {rules.state === 'ready' && rules.data.data.length === 0 && <Empty>No alert rule.</Empty>}
      {rules.state === 'ready' && rules.data.data.length > 0 && (
        <table aria-label="Alert rules">
          <thead>
            <tr>
              <th scope="col">Rule</th>
              <th scope="col">Kind</th>
              <th scope="col">Severity</th>
              <th scope="col">Threshold</th>
              <th scope="col">Window</th>
              <th scope="col">Cool-down</th>
              <th scope="col">Notifies</th>
              <th scope="col">Enabled</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rules.data.data.map((rule) => (
              <tr key={rule.id}>
                <th scope="row">{rule.name}</th>
                <td>{rule.builtin ? 'built-in' : 'custom'}</td>
                <td>{rule.severity}</td>
                <td>{String(rule.condition.threshold ?? '—')}</td>
                <td>{rule.condition.window_minutes ? `${rule.condition.window_minutes} min` : '—'}</td>
                <td>{rule.cooldown_minutes} min</td>
                <td>
                  {[
                    ...rule.notify.emails,
                    ...(rule.notify.webhook_url ? [rule.notify.webhook_url] : []),
                  ].join(', ') || '—'}
                </td>
                <td>{rule.enabled ? 'yes' : 'no'}</td>
                <td>
                  {writable && (
                    <>
                      <button type="button" onClick={() => void toggle(rule)}>
                        {rule.enabled ? 'Disable' : 'Enable'} {rule.name}
                      </button>{' '}
                      <button type="button" onClick={() => setEditing(rule.id)}>
                        Edit {rule.name}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rules.state === 'ready' &&
        rules.data.data
          .filter((r) => r.id === editing)
          .map((rule) => (
            <RuleForm
              key={rule.id}
              label={`Edit ${rule.name}`}
              submitLabel="Save rule"
              rule={rule}
              onCancel={() => setEditing(null)}
              onSubmit={async (patch) => {
                await alerts.updateRule(rule.id, patch);
                setEditing(null);
                setNotice(`${rule.name} is saved.`);
                rules.reload();
              }}
            />
          ))}
    </section>
  );
}

function RuleForm({
  label,
  submitLabel,
  rule,
  onSubmit,
  onCancel,
}: {
  label: string;
  submitLabel: string;
  rule?: AlertRule;
  onSubmit: (patch: RulePatch) => Promise<void>;
  onCancel: () => void;
}) {
  const [name, setName] = useState(rule?.name ?? '');
  const [severity, setSeverity] = useState(rule?.severity ?? 'warning');
  const [cooldown, setCooldown] = useState(String(rule?.cooldown_minutes ?? 30));
  const [threshold, setThreshold] = useState(String(rule?.condition.threshold ?? ''));
  const [windowMinutes, setWindowMinutes] = useState(String(rule?.condition.window_minutes ?? ''));
  const [condition, setCondition] = useState(CUSTOM_EXAMPLE);
  const [emails, setEmails] = useState(rule?.notify.emails.join(', ') ?? '');
  const [webhookUrl, setWebhookUrl] = useState(rule?.notify.webhook_url ?? '');
  const [webhookSecret, setWebhookSecret] = useState('');
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const notify: NonNullable<RulePatch['notify']> = {
      emails: emails
        .split(',')
        .map((e) => e.trim())
        .filter(Boolean),
      webhook_url: webhookUrl.trim() || null,
    };
    if (webhookSecret) notify.webhook_secret = webhookSecret;
    const patch: RulePatch = { name: name.trim(), severity, cooldown_minutes: Number(cooldown), notify };
    if (rule) {
      patch.condition = {
        ...(threshold !== '' && { threshold: Number(threshold) }),
        ...(windowMinutes !== '' && { window_minutes: Number(windowMinutes) }),
      };
    } else {
      try {
        patch.condition = JSON.parse(condition) as Record<string, unknown>;
      } catch {
        setError(
          new ApiError(422, 'ERR_VALIDATION', 'The condition is not valid JSON.', [
            { field: 'condition', message: 'must be a JSON object' },
          ]),
        );
        return;
      }
    }
    try {
      await onSubmit(patch);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form className="card" aria-label={label} onSubmit={submit}>
      <h2>{label}</h2>
      <label>
        Name
        <input required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      <label>
        Severity
        <select value={severity} onChange={(e) => setSeverity(e.target.value)}>
          {SEVERITIES.map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
      </label>
      {rule ? (
        <>
          <label>
            Threshold
            <input inputMode="decimal" value={threshold} onChange={(e) => setThreshold(e.target.value)} />
          </label>
          <label>
            Window (minutes)
            <input
              inputMode="numeric"
              value={windowMinutes}
              onChange={(e) => setWindowMinutes(e.target.value)}
            />
          </label>
        </>
      ) : (
        <label>
          Condition (JSON)
          <textarea rows={6} cols={60} value={condition} onChange={(e) => setCondition(e.target.value)} />
        </label>
      )}
      <label>
        Cool-down (minutes)
        <input inputMode="numeric" value={cooldown} onChange={(e) => setCooldown(e.target.value)} />
      </label>
      <label>
        Email recipients (comma-separated)
        <input value={emails} onChange={(e) => setEmails(e.target.value)} />
      </label>
      <label>
        Notification webhook URL
        <input value={webhookUrl} onChange={(e) => setWebhookUrl(e.target.value)} />
      </label>
      <label>
        Webhook signing key
        <input
          type="password"
          autoComplete="off"
          placeholder={
            rule?.notify.webhook_secret_set ? 'set (leave empty to keep)' : 'at least 16 characters'
          }
          value={webhookSecret}
          onChange={(e) => setWebhookSecret(e.target.value)}
        />
      </label>
      <FormError error={error} />
      <div className="toolbar">
        <button type="submit" className="primary">
          {submitLabel}
        </button>
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
