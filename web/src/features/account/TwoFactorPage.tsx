import { useState, type FormEvent } from 'react';
import { mfa } from '../../api/endpoints.js';
import { useAuth } from '../../auth/AuthContext.js';
import { codeErrorMessage, MfaEnrolment } from '../../auth/MfaEnrolment.js';
import { RecoveryCodes } from '../../auth/RecoveryCodes.js';
import { FormError } from '../../components/FormError.js';
import { ErrorState, Loading } from '../../components/States.js';
import { useApi } from '../../components/useApi.js';

/** One's own two-factor sign-in: turn it on, replace the recovery codes, or turn it off. */
export function TwoFactorPage() {
  const { refresh } = useAuth();
  const status = useApi(() => mfa.status(), 'mfa-status');
  const [enrolling, setEnrolling] = useState(false);

  return (
    <section>
      <h1>Two-factor authentication</h1>
      {status.state === 'loading' && <Loading what="Loading your two-factor settings" />}
      {status.state === 'error' && <ErrorState error={status.error} onRetry={status.reload} />}
      {status.state === 'ready' && !status.data.enabled && (
        <>
          <p>
            Two-factor authentication is <strong>off</strong>. With it on, signing in needs a code from an
            authenticator app on your phone as well as your password.
          </p>
          {enrolling ? (
            <MfaEnrolment
              onDone={() => {
                setEnrolling(false);
                status.reload();
                void refresh();
              }}
            />
          ) : (
            <button type="button" className="primary" onClick={() => setEnrolling(true)}>
              Set up two-factor authentication
            </button>
          )}
        </>
      )}
      {status.state === 'ready' && status.data.enabled && (
        <>
          <p>
            Two-factor authentication is <strong>on</strong>. Recovery codes left:{' '}
            <strong>{status.data.recovery_codes_left}</strong>.
          </p>
          <NewRecoveryCodes />
          <TurnOff
            required={status.data.required_for_every_admin}
            onDone={() => {
              status.reload();
              void refresh();
            }}
          />
        </>
      )}
    </section>
  );
}

function NewRecoveryCodes() {
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    try {
      setCodes((await mfa.regenerateRecoveryCodes(code.replace(/\s/g, ''))).recovery_codes);
    } catch (failure) {
      setError(codeErrorMessage(failure));
    }
    setCode('');
  }

  if (codes) return <RecoveryCodes codes={codes} onDone={() => setCodes(null)} />;
  return (
    <form className="card" onSubmit={submit} aria-labelledby="new-codes-title">
      <h2 id="new-codes-title">New recovery codes</h2>
      <p>Replaces all your recovery codes; the old ones stop working.</p>
      {error && (
        <p className="form-error" role="alert">
          {error}
        </p>
      )}
      <label>
        Authentication code
        <input
          inputMode="numeric"
          autoComplete="one-time-code"
          required
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
      </label>
      <button type="submit">Show new recovery codes</button>
    </form>
  );
}

function TurnOff({ required, onDone }: { required: boolean; onDone: () => void }) {
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<unknown>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const trimmed = code.trim();
    // A recovery code has letters and dashes; an app's code is six digits.
    const factor = /^\d[\d ]*$/.test(trimmed)
      ? { totp_code: trimmed.replace(/\s/g, '') }
      : { recovery_code: trimmed };
    try {
      await mfa.disable({ password, ...factor });
      onDone();
    } catch (failure) {
      setError(failure);
      setPassword('');
      setCode('');
    }
  }

  return (
    <form className="card" onSubmit={submit} aria-labelledby="mfa-off-title">
      <h2 id="mfa-off-title">Turn off or move to a new phone</h2>
      <p>
        Turning it off ends your other sessions. To move to a new phone, turn it off, then set it up again.
        {required && ' Your organisation requires it: you will be asked to set it up again straight away.'}
      </p>
      <FormError error={error} />
      <label>
        Password
        <input
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <label>
        Authentication code or recovery code
        <input autoComplete="one-time-code" required value={code} onChange={(e) => setCode(e.target.value)} />
      </label>
      <button type="submit" className="danger">
        Turn off two-factor authentication
      </button>
    </form>
  );
}
