import { useState, type FormEvent } from 'react';
import { access, mfa } from '../../api/endpoints.js';
import { ROLES, type ApiKey, type Role } from '../../api/types.js';
import { useAuth } from '../../auth/AuthContext.js';
import { FormError } from '../../components/FormError.js';
import { Empty, ErrorState, Loading } from '../../components/States.js';
import { Timestamp } from '../../components/Timestamp.js';
import { useApi } from '../../components/useApi.js';

/** Admins & API keys: managing accounts is the owner's (admins:write); keys need api-keys:write. */
export function AccessPage() {
  const { can } = useAuth();
  return (
    <section>
      <h1>Admins &amp; API keys</h1>
      {can('settings:read') && <RequireMfaSetting writable={can('admins:write')} />}
      <AdminsSection writable={can('admins:write')} />
      {can('api-keys:read') && <ApiKeysSection writable={can('api-keys:write')} />}
    </section>
  );
}

/** The owner's switch: every admin signs in with two factors. */
function RequireMfaSetting({ writable }: { writable: boolean }) {
  const { session, refresh } = useAuth();
  const settings = useApi(() => mfa.accessSettings(), 'access-settings');
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  if (settings.state === 'loading') return <Loading what="Loading the sign-in settings" />;
  if (settings.state === 'error') return <ErrorState error={settings.error} onRetry={settings.reload} />;
  const on = settings.data.require_mfa_for_admins;
  const myMfa = session.status === 'signed-in' && session.me.mfa_enabled;

  async function toggle() {
    setError(null);
    setSaved(false);
    try {
      await mfa.saveAccessSettings({ require_mfa_for_admins: !on });
      setSaved(true);
      settings.reload();
      // Turned on without an authenticator of one's own: the portal moves on to enrolment.
      await refresh();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <div className="card">
      <div className="toggle-row">
        <div>
          <h2 id="require-mfa-admins-title">Require two-factor authentication for every admin</h2>
          <p id="require-mfa-admins-help">
            Admins without an authenticator app are asked to set one up right after their password, and can do
            nothing else until they have.
          </p>
          {!on && writable && !myMfa && (
            <p className="muted">
              You have not set it up yourself: you will be asked to as soon as you turn this on.
            </p>
          )}
        </div>
        <button
          type="button"
          role="switch"
          className="switch"
          aria-checked={on}
          aria-labelledby="require-mfa-admins-title"
          aria-describedby="require-mfa-admins-help"
          disabled={!writable}
          onClick={() => void toggle()}
        >
          {on ? 'ON' : 'OFF'}
        </button>
      </div>
      {saved && (
        <p className="success" role="status">
          Saved.
        </p>
      )}
      <FormError error={error} />
    </div>
  );
}

function AdminsSection({ writable }: { writable: boolean }) {
  const { session } = useAuth();
  const myId = session.status === 'signed-in' ? session.me.id : null;
  const admins = useApi(() => access.admins(), 'admins');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [error, setError] = useState<unknown>(null);

  async function run(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
      admins.reload();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    }
  }

  async function create(event: FormEvent) {
    event.preventDefault();
    if (await run(() => access.createAdmin({ email: email.trim(), password, role }))) {
      setEmail('');
      setPassword('');
    }
  }

  return (
    <div className="card">
      <h2>Admins</h2>
      {writable && (
        <form className="filters" onSubmit={create} aria-label="New admin">
          <label>
            Email
            <input type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </label>
          <label>
            Initial password
            <input
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </label>
          <label>
            Role
            <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
              {ROLES.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <div className="actions">
            <button type="submit" className="primary">
              Add admin
            </button>
          </div>
        </form>
      )}
      <FormError error={error} />
      {admins.state === 'loading' && <Loading what="Loading admins" />}
      {admins.state === 'error' && <ErrorState error={admins.error} onRetry={admins.reload} />}
      {admins.state === 'ready' && (
        <table aria-label="Admins">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Two-factor</th>
              <th scope="col">Last sign-in</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {admins.data.data.map((admin) => (
              <tr key={admin.id}>
                <td>{admin.email}</td>
                <td>
                  {writable && admin.id !== myId ? (
                    <select
                      aria-label={`Role of ${admin.email}`}
                      value={admin.role}
                      onChange={(e) => void run(() => access.changeRole(admin.id, e.target.value as Role))}
                    >
                      {ROLES.map((r) => (
                        <option key={r}>{r}</option>
                      ))}
                    </select>
                  ) : (
                    admin.role
                  )}
                </td>
                <td>{admin.mfa_enabled ? 'On' : 'Off'}</td>
                <td>
                  <Timestamp value={admin.last_login_at} />
                </td>
                <td>
                  {writable && admin.id !== myId && admin.mfa_enabled && (
                    <button
                      type="button"
                      onClick={() => {
                        if (
                          window.confirm(
                            `Reset two-factor authentication of ${admin.email}? Their sessions end and their authenticator and recovery codes stop working.`,
                          )
                        )
                          void run(() => mfa.resetFor(admin.id));
                      }}
                    >
                      Reset two-factor of {admin.email}
                    </button>
                  )}{' '}
                  {writable && admin.id !== myId && (
                    <button
                      type="button"
                      className="danger"
                      onClick={() => {
                        if (window.confirm(`Remove ${admin.email}? They can no longer sign in.`))
                          void run(() => access.deleteAdmin(admin.id));
                      }}
                    >
                      Remove {admin.email}
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

function ApiKeysSection({ writable }: { writable: boolean }) {
  const keys = useApi(() => access.apiKeys(), 'api-keys');
  const [name, setName] = useState('');
  const [scope, setScope] = useState<'admin' | 'licenses'>('licenses');
  const [role, setRole] = useState<Role>('viewer');
  const [created, setCreated] = useState<(ApiKey & { secret: string }) | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function create(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      const key = await access.createApiKey({
        name: name.trim(),
        scope,
        ...(scope === 'admin' ? { role } : {}),
      });
      setCreated(key);
      setName('');
      keys.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  async function revoke(key: ApiKey) {
    if (!window.confirm(`Revoke ${key.name}? Every program using it stops working at once.`)) return;
    setError(null);
    try {
      await access.revokeApiKey(key.id);
      keys.reload();
    } catch (failure) {
      setError(failure);
    }
  }

  return (
    <div className="card">
      <h2>API keys</h2>
      {writable && (
        <form className="filters" onSubmit={create} aria-label="New API key">
          <label>
            Key name
            <input required value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label>
            Scope
            <select value={scope} onChange={(e) => setScope(e.target.value as 'admin' | 'licenses')}>
              <option value="licenses">licences (for your software)</option>
              <option value="admin">admin</option>
            </select>
          </label>
          {scope === 'admin' && (
            <label>
              Key role
              <select value={role} onChange={(e) => setRole(e.target.value as Role)}>
                {ROLES.map((r) => (
                  <option key={r}>{r}</option>
                ))}
              </select>
            </label>
          )}
          <div className="actions">
            <button type="submit" className="primary">
              Create key
            </button>
          </div>
        </form>
      )}
      {created && <NewSecret name={created.name} secret={created.secret} onDone={() => setCreated(null)} />}
      <FormError error={error} />
      {keys.state === 'loading' && <Loading what="Loading API keys" />}
      {keys.state === 'error' && <ErrorState error={keys.error} onRetry={keys.reload} />}
      {keys.state === 'ready' && keys.data.data.length === 0 && <Empty>No API key yet.</Empty>}
      {keys.state === 'ready' && keys.data.data.length > 0 && (
        <table aria-label="API keys">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Scope</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="muted">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.data.data.map((key) => (
              <tr key={key.id}>
                <td>{key.name}</td>
                <td>
                  <code>{key.masked}</code>
                </td>
                <td>{key.scope === 'admin' ? `admin (${key.role})` : 'licences'}</td>
                <td>
                  <Timestamp value={key.last_used_at} />
                </td>
                <td>
                  {key.revoked_at ? (
                    <span className="badge revoked">revoked</span>
                  ) : (
                    writable && (
                      <button type="button" className="danger" onClick={() => void revoke(key)}>
                        Revoke {key.name}
                      </button>
                    )
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

/** The only time the secret is shown: the server keeps a hash and cannot show it again. */
function NewSecret({ name, secret, onDone }: { name: string; secret: string; onDone: () => void }) {
  const [copied, setCopied] = useState<string | null>(null);
  return (
    <div className="secret" role="region" aria-label="New API key secret">
      <p>
        The secret of <strong>{name}</strong>. Copy it now: it will not be shown again.
      </p>
      <code data-testid="new-secret">{secret}</code>
      <button
        type="button"
        onClick={() =>
          navigator.clipboard.writeText(secret).then(
            () => setCopied('Copied.'),
            () => setCopied('Copying was refused by the browser: select the text and copy it.'),
          )
        }
      >
        Copy
      </button>
      {copied && <span role="status">{copied}</span>}
      <button type="button" onClick={onDone}>
        I have stored it
      </button>
    </div>
  );
}
