import { useState, type FormEvent } from 'react';
import { ApiError } from '../api/client.js';
import { useAuth } from './AuthContext.js';

/**
 * Says only what the admin can act on: never whether the email exists, nor whether the account or the
 * address is the one being throttled.
 */
export function signInErrorMessage(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return 'The email or password is not correct.';
    if (error.status === 429) return 'Too many attempts. Wait a few minutes before you try again.';
    if (error.status === 422) return 'Enter an email address and a password.';
    if (error.status === 403) return 'Sign-in is not possible from here. Contact your administrator.';
    if (error.status === 0) return error.message;
  }
  return 'Sign-in failed. Try again in a moment.';
}

export function SignInPage({ notice }: { notice: string | null }) {
  const { signIn } = useAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email, password);
    } catch (failure) {
      setError(signInErrorMessage(failure));
      setPassword('');
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin">
      <form className="card signin-card" onSubmit={submit} aria-labelledby="signin-title">
        <h1 id="signin-title">KeyManager Admin</h1>
        {notice && (
          <p className="notice" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        <label>
          Email
          <input
            type="email"
            name="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
