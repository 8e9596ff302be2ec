import type { ReactNode } from 'react';
import type { ApiError } from '../api/client.js';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="state state-loading" role="status" aria-live="polite">
      {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state state-empty">{children}</p>;
}

/** What went wrong in words, the error code for support, and a way to try again. */
export function ErrorState({ error, onRetry }: { error: ApiError; onRetry?: () => void }) {
  // Logs behind two-factor sign-in (require_mfa_for_log_access): say what unlocks them.
  if (error.code === 'ERR_MFA_REQUIRED') {
    return (
      <div className="state state-error" role="alert">
        <p>
          Reading logs requires signing in with two-factor authentication. <code>{error.code}</code>
        </p>
        <p>
          <a href="/admin/account/two-factor">Set up two-factor authentication</a>, then sign out and sign in
          again with a code.
        </p>
      </div>
    );
  }
  const message =
    error.status === 403
      ? 'Your role does not allow this page.'
      : error.status === 0
        ? error.message
        : `${error.message}`;
  return (
    <div className="state state-error" role="alert">
      <p>
        {message} <code>{error.code}</code>
      </p>
      {onRetry && (
        <button type="button" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}
