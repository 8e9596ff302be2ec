import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { mfa } from '../api/endpoints.js';
import type { MfaEnrolment as Enrolment } from '../api/types.js';
import { ErrorState, Loading } from '../components/States.js';
import { RecoveryCodes } from './RecoveryCodes.js';

export function codeErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'ERR_VALIDATION' || error.code === 'ERR_MFA_CODE_INVALID')
      return 'The code is not correct. Enter the code your app shows now.';
    if (error.status === 429) return 'Too many attempts. Wait a few minutes before you try again.';
    return error.message;
  }
  return 'The code could not be checked. Try again in a moment.';
}

/**
 * Setting up an authenticator app: a QR code and the same key to type by hand, a first code to prove
 * the app works, then the recovery codes, once. `onDone` runs after the admin has stored them.
 */
export function MfaEnrolment({ onDone }: { onDone: () => void }) {
  const [enrolment, setEnrolment] = useState<
    { state: 'loading' } | { state: 'ready'; value: Enrolment } | { state: 'error'; error: ApiError }
  >({ state: 'loading' });
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    mfa.startEnrolment().then(
      (value) => live && setEnrolment({ state: 'ready', value }),
      (failure: unknown) =>
        live &&
        setEnrolment({
          state: 'error',
          error:
            failure instanceof ApiError
              ? failure
              : new ApiError(0, 'ERR_NETWORK', 'The enrolment could not be started. Try again.'),
        }),
    );
    return () => {
      live = false;
    };
  }, [attempt]);

  async function confirm(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const answer = await mfa.confirmEnrolment(code.replace(/\s/g, ''));
      setRecoveryCodes(answer.recovery_codes);
    } catch (failure) {
      setError(codeErrorMessage(failure));
      setCode('');
    } finally {
      setBusy(false);
    }
  }

  if (recoveryCodes) return <RecoveryCodes codes={recoveryCodes} onDone={onDone} />;
  if (enrolment.state === 'loading') return <Loading what="Preparing your authenticator key" />;
  if (enrolment.state === 'error')
    return (
      <ErrorState
        error={enrolment.error}
        onRetry={() => {
          setEnrolment({ state: 'loading' });
          setAttempt((n) => n + 1);
        }}
      />
    );
  const { qr_code, secret } = enrolment.value;
  return (
    <div className="card" role="region" aria-labelledby="enrol-title">
      <h2 id="enrol-title">Set up an authenticator app</h2>
      <ol>
        <li>
          Scan this QR code with an authenticator app (1Password, Google Authenticator, Authy, Bitwarden…).
          <div>
            <img src={qr_code} alt="QR code of your authenticator key" width={200} height={200} />
          </div>
        </li>
        <li>
          Or type this key into the app by hand:{' '}
          <code data-testid="mfa-secret" aria-label="Authenticator key">
            {secret.match(/.{1,4}/g)?.join(' ')}
          </code>
        </li>
        <li>Enter the 6-digit code the app shows to finish.</li>
      </ol>
      <form onSubmit={confirm} aria-label="Confirm authenticator">
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <label>
          Authentication code
          <input
            name="totp_code"
            inputMode="numeric"
            autoComplete="one-time-code"
            pattern="[0-9 ]{6,7}"
            maxLength={7}
            required
            value={code}
            onChange={(e) => setCode(e.target.value)}
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Turn on two-factor authentication'}
        </button>
      </form>
    </div>
  );
}
