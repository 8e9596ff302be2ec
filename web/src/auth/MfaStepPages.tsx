import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { auth } from '../api/endpoints.js';
import { useAuth } from './AuthContext.js';
import { codeErrorMessage, MfaEnrolment } from './MfaEnrolment.js';

/** The second step of sign-in: a code of the authenticator app, or one of the recovery codes. */
export function MfaCodePage() {
  const { refresh, signOut, expire } = useAuth();
  const [useRecovery, setUseRecovery] = useState(false);
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await auth.verifyMfa(
        useRecovery ? { recovery_code: code.trim() } : { totp_code: code.replace(/\s/g, '') },
      );
      await refresh();
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'ERR_SESSION_EXPIRED') return expire();
      setError(codeErrorMessage(failure));
      setCode('');
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="mfa-title">
        <h1 id="mfa-title">Two-factor authentication</h1>
        <p>
          {useRecovery
            ? 'Enter one of your recovery codes. Each code works once.'
            : 'Enter the 6-digit code from your authenticator app.'}
        </p>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <label>
          {useRecovery ? 'Recovery code' : 'Authentication code'}
          <input
            key={useRecovery ? 'recovery' : 'totp'}
            name={useRecovery ? 'recovery_code' : 'totp_code'}
            inputMode={useRecovery ? 'text' : 'numeric'}
            autoComplete="one-time-code"
            required
            autoFocus
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Verify'}
        </button>
        <div className="toolbar">
          <button
            type="button"
            onClick={() => {
              setUseRecovery((on) => !on);
              setCode('');
              setError(null);
            }}
          >
            {useRecovery ? 'Use the authenticator app' : 'Use a recovery code'}
          </button>
          <button type="button" onClick={() => void signOut()}>
            Cancel sign-in
          </button>
        </div>
      </form>
    </main>
  );
}

/** After the password, when an owner requires two-factor sign-in and this admin has none yet. */
export function MfaRequiredEnrolPage() {
  const { refresh, signOut } = useAuth();
  return (
    <main className="signin">
      <div className="signin-card wide">
        <h1>Set up two-factor authentication</h1>
        <p>Your organisation requires two-factor authentication for every admin. Set it up to continue.</p>
        <MfaEnrolment onDone={() => void refresh()} />
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </main>
  );
}
