import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client.js';
import { useAuth } from '../../auth/AuthContext.js';
import { FormError } from '../../components/FormError.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { ConfirmButton } from '../webhooks/SecretOnce.js';
import {
  SINK_FORMATS,
  SINK_LOGS,
  SINK_TYPES,
  URL_HINTS,
  logSinks,
  type LogSink,
  type SinkInput,
} from './log-sinks-api.js';

const STATE_LABELS: Record<string, string> = {
  active: 'active',
  retrying: 'retrying',
  dead_letter: 'dead-lettered',
};

export function LogSinksPage() {
  const { can } = useAuth();
  const writable = can('settings:write');
  const list = useApi(() => logSinks.list(), 'log-sinks');
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  return (
    <section>
      <h1>Log sinks</h1>
      <p className="muted">
        Where the logs are forwarded (SIEM, syslog, Splunk, Elasticsearch, OpenTelemetry), each entry at least
        once and in order.
      </p>
      {writable && !creating && (
        <div className="toolbar">
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New sink
          </button>
        </div>
      )}
      {creating && (
        <SinkForm
          label="New sink"
          submitLabel="Create sink"
          onCancel={() => setCreating(false)}
          onSubmit={async (input) => {
            const created = await logSinks.create(input);
            setCreating(false);
            setSelected(created.id);
            list.reload();
          }}
        />
      )}
      {list.state === 'loading' && <Loading what="Loading log sinks" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && (
        <Empty>No sink yet: the logs stay in KeyManager only.</Empty>
      )}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <div className="toolbar">
          <button type="button" onClick={list.reload}>
            Refresh health
          </button>
        </div>
      )}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <table aria-label="Log sinks">
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Type</th>
              <th scope="col">Logs</th>
              <th scope="col">State</th>
              <th scope="col">Lag</th>
              <th scope="col">Delivered</th>
              <th scope="col">Retried</th>
              <th scope="col">Last delivery</th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((sink) => (
              <tr key={sink.id} className={selected === sink.id ? 'selected' : undefined}>
                <td>
                  <button type="button" className="link" onClick={() => setSelected(sink.id)}>
                    {sink.url}
                  </button>
                </td>
                <td>{sink.type}</td>
                <td>{sink.logs.join(', ')}</td>
                <td>{sink.enabled ? STATE_LABELS[sink.health.state] : 'disabled'}</td>
                <td>
                  {sink.health.lag_entries} entries ({Math.round(sink.health.lag_seconds)} s)
                </td>
                <td>{sink.health.delivered}</td>
                <td>{sink.health.retried}</td>
                <td>
                  <Timestamp value={sink.health.last_delivery_at} />
                </td>
                <td>{sink.health.last_error ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.state === 'ready' &&
        list.data.data
          .filter((s) => s.id === selected)
          .map((sink) => (
            <SinkDetail
              key={sink.id}
              sink={sink}
              writable={writable}
              onChanged={list.reload}
              onDeleted={() => {
                setSelected(null);
                list.reload();
              }}
            />
          ))}
    </section>
  );
}

function SinkForm({
  label,
  submitLabel,
  sink,
  onSubmit,
  onCancel,
}: {
  label: string;
  submitLabel: string;
  sink?: LogSink;
  onSubmit: (input: SinkInput) => Promise<void>;
  onCancel: () => void;
}) {
  const [type, setType] = useState(sink?.type ?? 'webhook');
  const [url, setUrl] = useState(sink?.url ?? '');
  const [logs, setLogs] = useState<string[]>(sink?.logs ?? ['activity']);
  const [format, setFormat] = useState(sink?.format ?? 'json');
  const [filters, setFilters] = useState(JSON.stringify(sink?.filters ?? {}, null, 2));
  const [secret, setSecret] = useState('');
  const [enabled, setEnabled] = useState(sink?.enabled ?? true);
  const [error, setError] = useState<unknown>(null);
  const formats = SINK_FORMATS[type] ?? ['json'];

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(filters || '{}') as Record<string, unknown>;
    } catch {
      setError(
        new ApiError(422, 'ERR_VALIDATION', 'The filters are not valid JSON.', [
          { field: 'filters', message: 'must be a JSON object' },
        ]),
      );
      return;
    }
    const input: SinkInput = { url: url.trim(), logs, filters: parsed, format, enabled };
    if (!sink) input.type = type;
    // An empty secret field on an edit keeps the stored secret.
    if (secret) input.secret = secret;
    try {
      await onSubmit(input);
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <form className="card" aria-label={label} onSubmit={submit}>
      <h2>{label}</h2>
      <label>
        Type
        <select
          value={type}
          disabled={Boolean(sink)}
          onChange={(e) => {
            setType(e.target.value);
            setFormat(SINK_FORMATS[e.target.value]?.[0] ?? 'json');
          }}
        >
          {SINK_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label>
        URL
        <input
          required
          size={50}
          placeholder={URL_HINTS[type]}
          value={url}
          onChange={(e) => setUrl(e.target.value)}
        />
      </label>
      <fieldset>
        <legend>Logs</legend>
        {SINK_LOGS.map((log) => (
          <label key={log}>
            <input
              type="checkbox"
              checked={logs.includes(log)}
              onChange={(e) =>
                setLogs((current) =>
                  e.target.checked ? [...current, log] : current.filter((l) => l !== log),
                )
              }
            />{' '}
            {log}
          </label>
        ))}
      </fieldset>
      <label>
        Format
        <select value={format} onChange={(e) => setFormat(e.target.value)}>
          {formats.map((f) => (
            <option key={f} value={f}>
              {f}
            </option>
          ))}
        </select>
      </label>
      <label>
        Filters (JSON, e.g. {'{"status_classes": ["5xx"]}'})
        <textarea rows={3} cols={50} value={filters} onChange={(e) => setFilters(e.target.value)} />
      </label>
      <label>
        Secret
        <input
          type="password"
          autoComplete="off"
          placeholder={sink?.secret ? `${sink.secret} (leave empty to keep)` : 'at least 16 characters'}
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
        />
      </label>
      <label>
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
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

function SinkDetail({
  sink,
  writable,
  onChanged,
  onDeleted,
}: {
  sink: LogSink;
  writable: boolean;
  onChanged: () => void;
  onDeleted: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function act(action: () => Promise<void>) {
    setError(null);
    setNotice(null);
    try {
      await action();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <aside className="card" aria-label="Sink details">
      <h2>{sink.url}</h2>
      <dl>
        <dt>Format</dt>
        <dd>{sink.format}</dd>
        <dt>Secret</dt>
        <dd>{sink.secret ? <code>{sink.secret}</code> : 'none'}</dd>
        <dt>Filters</dt>
        <dd>
          <code>{JSON.stringify(sink.filters)}</code>
        </dd>
        <dt>Failing since</dt>
        <dd>
          <Timestamp value={sink.health.failing_since} />
        </dd>
        <dt>Next attempt</dt>
        <dd>
          <Timestamp value={sink.health.next_attempt_at} />
        </dd>
        <dt>Last error at</dt>
        <dd>
          <Timestamp value={sink.health.last_error_at} />
        </dd>
      </dl>
      {writable && (
        <div className="toolbar">
          <button
            type="button"
            className="primary"
            onClick={() =>
              void act(async () => {
                const result = await logSinks.test(sink.id);
                setNotice(
                  result.ok
                    ? `Test delivered in ${Math.round(result.duration_ms)} ms.`
                    : `Test failed: ${result.error ?? 'no answer'}.`,
                );
              })
            }
          >
            Send test
          </button>
          {sink.health.state === 'dead_letter' && (
            <button
              type="button"
              onClick={() =>
                void act(async () => {
                  await logSinks.resume(sink.id);
                  setNotice('Delivery resumed.');
                  onChanged();
                })
              }
            >
              Resume
            </button>
          )}
          <button type="button" onClick={() => setEditing((e) => !e)}>
            Edit
          </button>
          <ConfirmButton
            label="Delete"
            confirmLabel={`Delete ${sink.url}`}
            onConfirm={() =>
              void act(async () => {
                await logSinks.remove(sink.id);
                onDeleted();
              })
            }
          />
        </div>
      )}
      {notice && (
        <p className="success" role="status">
          {notice}
        </p>
      )}
      <FormError error={error} />
      {editing && (
        <SinkForm
          label="Edit sink"
          submitLabel="Save sink"
          sink={sink}
          onCancel={() => setEditing(false)}
          onSubmit={async (input) => {
            await logSinks.update(sink.id, input);
            setEditing(false);
            setNotice('Sink saved.');
            onChanged();
          }}
        />
      )}
    </aside>
  );
}
