import { useState, type FormEvent } from 'react';
import { useAuth } from '../../auth/AuthContext.js';
import { FormError } from '../../components/FormError.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';
import { ConfirmButton, SecretOnce } from './SecretOnce.js';
import { WEBHOOK_EVENTS, webhooks, type WebhookEndpoint, type WebhookInput } from './webhooks-api.js';

export function WebhooksPage() {
  const { can } = useAuth();
  const writable = can('settings:write');
  const list = useApi(() => webhooks.list(), 'webhooks');
  const [secret, setSecret] = useState<{ label: string; value: string } | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  return (
    <section>
      <h1>Webhooks</h1>
      <p className="muted">
        Endpoints of your systems that receive signed licence and customer events (HMAC-SHA256 with a
        timestamp).
      </p>
      {secret && <SecretOnce label={secret.label} secret={secret.value} onDone={() => setSecret(null)} />}
      {writable && !creating && (
        <div className="toolbar">
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New endpoint
          </button>
        </div>
      )}
      {creating && (
        <EndpointForm
          label="New endpoint"
          submitLabel="Create endpoint"
          initial={{ url: '', events: [], description: null, enabled: true }}
          onCancel={() => setCreating(false)}
          onSubmit={async (input) => {
            const created = await webhooks.create(input);
            setCreating(false);
            setSecret({ label: `Signing secret of ${created.url}`, value: created.secret });
            setSelected(created.id);
            list.reload();
          }}
        />
      )}
      {list.state === 'loading' && <Loading what="Loading webhook endpoints" />}
      {list.state === 'error' && <ErrorState error={list.error} onRetry={list.reload} />}
      {list.state === 'ready' && list.data.data.length === 0 && (
        <Empty>No endpoint yet. Add one to send events to your systems.</Empty>
      )}
      {list.state === 'ready' && list.data.data.length > 0 && (
        <table aria-label="Webhook endpoints">
          <thead>
            <tr>
              <th scope="col">URL</th>
              <th scope="col">Events</th>
              <th scope="col">Enabled</th>
              <th scope="col">Secret</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((endpoint) => (
              <tr key={endpoint.id} className={selected === endpoint.id ? 'selected' : undefined}>
                <td>
                  <button type="button" className="link" onClick={() => setSelected(endpoint.id)}>
                    {endpoint.url}
                  </button>
                </td>
                <td>{endpoint.events.join(', ')}</td>
                <td>{endpoint.enabled ? 'yes' : 'no'}</td>
                <td>
                  <code>{endpoint.secret_masked}</code>
                </td>
                <td>
                  <Timestamp value={endpoint.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.state === 'ready' &&
        list.data.data
          .filter((e) => e.id === selected)
          .map((endpoint) => (
            <EndpointDetail
              key={endpoint.id}
              endpoint={endpoint}
              writable={writable}
              onChanged={list.reload}
              onDeleted={() => {
                setSelected(null);
                list.reload();
              }}
              onSecret={(value) => setSecret({ label: `New signing secret of ${endpoint.url}`, value })}
            />
          ))}
    </section>
  );
}

function EndpointForm({
  label,
  submitLabel,
  initial,
  onSubmit,
  onCancel,
}: {
  label: string;
  submitLabel: string;
  initial: WebhookInput;
  onSubmit: (input: WebhookInput) => Promise<void>;
  onCancel: () => void;
}) {
  const [url, setUrl] = useState(initial.url);
  const [description, setDescription] = useState(initial.description ?? '');
  const [events, setEvents] = useState<string[]>(initial.events);
  const [enabled, setEnabled] = useState(initial.enabled);
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      await onSubmit({ url: url.trim(), events, description: description.trim() || null, enabled });
    } catch (failure) {
      setError(failure);
    }
  }

  const toggle = (type: string, on: boolean) =>
    setEvents((current) => (on ? [...current, type] : current.filter((t) => t !== type)));

  return (
    <form className="card" aria-label={label} onSubmit={submit}>
      <h2>{label}</h2>
      <label>
        URL
        <input required type="url" size={50} value={url} onChange={(e) => setUrl(e.target.value)} />
      </label>
      <label>
        Description
        <input value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label>
        <input type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.target.checked)} /> Enabled
      </label>
      <fieldset>
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((type) => (
          <label key={type}>
            <input
              type="checkbox"
              checked={events.includes(type)}
              onChange={(e) => toggle(type, e.target.checked)}
            />{' '}
            {type}
          </label>
        ))}
      </fieldset>
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

function EndpointDetail({
  endpoint,
  writable,
  onChanged,
  onDeleted,
  onSecret,
}: {
  endpoint: WebhookEndpoint;
  writable: boolean;
  onChanged: () => void;
  onDeleted: () => void;
  onSecret: (secret: string) => void;
}) {
  const deliveries = useApi(() => webhooks.deliveries(endpoint.id), `deliveries|${endpoint.id}`);
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
    <aside className="card" aria-label="Endpoint details">
      <h2>{endpoint.url}</h2>
      {endpoint.description && <p>{endpoint.description}</p>}
      {writable && (
        <div className="toolbar">
          <button
            type="button"
            className="primary"
            onClick={() =>
              void act(async () => {
                const delivery = await webhooks.test(endpoint.id);
                setNotice(
                  delivery.state === 'delivered'
                    ? `Test delivered: HTTP ${delivery.response_status} in ${delivery.response_time_ms} ms.`
                    : `Test not delivered: ${delivery.error ?? `HTTP ${delivery.response_status}`}.`,
                );
                deliveries.reload();
              })
            }
          >
            Send test delivery
          </button>
          <button type="button" onClick={() => setEditing((e) => !e)}>
            Edit
          </button>
          <ConfirmButton
            label="Rotate secret"
            confirmLabel="Rotate the signing secret now"
            onConfirm={() =>
              void act(async () => {
                const rotated = await webhooks.rotateSecret(endpoint.id);
                onSecret(rotated.secret);
                onChanged();
              })
            }
          />
          <ConfirmButton
            label="Delete"
            confirmLabel={`Delete ${endpoint.url}`}
            onConfirm={() =>
              void act(async () => {
                await webhooks.remove(endpoint.id);
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
        <EndpointForm
          label="Edit endpoint"
          submitLabel="Save endpoint"
          initial={endpoint}
          onCancel={() => setEditing(false)}
          onSubmit={async (input) => {
            await webhooks.update(endpoint.id, input);
            setEditing(false);
            setNotice('Endpoint saved.');
            onChanged();
          }}
        />
      )}
      <h3>Delivery history</h3>
      {deliveries.state === 'loading' && <Loading what="Loading deliveries" />}
      {deliveries.state === 'error' && <ErrorState error={deliveries.error} onRetry={deliveries.reload} />}
      {deliveries.state === 'ready' && deliveries.data.data.length === 0 && (
        <Empty>No delivery yet. Send a test delivery to check the endpoint.</Empty>
      )}
      {deliveries.state === 'ready' && deliveries.data.data.length > 0 && (
        <table aria-label="Deliveries">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Event</th>
              <th scope="col">State</th>
              <th scope="col">Attempts</th>
              <th scope="col">Status</th>
              <th scope="col">Response time</th>
              <th scope="col">Error</th>
            </tr>
          </thead>
          <tbody>
            {deliveries.data.data.map((delivery) => (
              <tr key={delivery.id}>
                <td>
                  <Timestamp value={delivery.created_at} />
                </td>
                <td>{delivery.event_type}</td>
                <td>{delivery.state}</td>
                <td>
                  {delivery.attempts} / {delivery.max_attempts}
                </td>
                <td>{delivery.response_status ?? '—'}</td>
                <td>{delivery.response_time_ms === null ? '—' : `${delivery.response_time_ms} ms`}</td>
                <td>{delivery.error ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </aside>
  );
}
