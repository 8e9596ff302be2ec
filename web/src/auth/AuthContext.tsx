import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { SESSION_ENDED_EVENT } from '../api/client.js';
import { auth } from '../api/endpoints.js';
import type { Me } from '../api/types.js';

type SessionState =
  | { status: 'checking' }
  | { status: 'signed-out'; reason: 'expired' | 'signed-out' | null }
  | { status: 'signed-in'; me: Me };

interface AuthValue {
  session: SessionState;
  signIn: (email: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** Reads the session again after a sign-in step (a code given, an authenticator set up or removed). */
  refresh: () => Promise<void>;
  /** The sign-in step expired under the admin: back to the sign-in form with the reason. */
  expire: () => void;
  can: (permission: string) => boolean;
}

const AuthContext = createContext<AuthValue | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionState>({ status: 'checking' });

  useEffect(() => {
    auth.me().then(
      (me) => setSession({ status: 'signed-in', me }),
      () => setSession({ status: 'signed-out', reason: null }),
    );
  }, []);

  // Any 401 while signed in means the session ended (idle or absolute timeout, or signed out elsewhere).
  useEffect(() => {
    const onEnded = () =>
      setSession((current) =>
        current.status === 'signed-in' ? { status: 'signed-out', reason: 'expired' } : current,
      );
    window.addEventListener(SESSION_ENDED_EVENT, onEnded);
    return () => window.removeEventListener(SESSION_ENDED_EVENT, onEnded);
  }, []);

  const signIn = useCallback(async (email: string, password: string) => {
    await auth.login(email, password);
    setSession({ status: 'signed-in', me: await auth.me() });
  }, []);

  const signOut = useCallback(async () => {
    try {
      await auth.logout();
    } finally {
      setSession({ status: 'signed-out', reason: 'signed-out' });
    }
  }, []);

  const refresh = useCallback(async () => {
    setSession({ status: 'signed-in', me: await auth.me() });
  }, []);

  const expire = useCallback(() => setSession({ status: 'signed-out', reason: 'expired' }), []);

  const can = useCallback(
    (permission: string) =>
      session.status === 'signed-in' &&
      session.me.mfa_step === null &&
      session.me.permissions.includes(permission),
    [session],
  );

  return (
    <AuthContext.Provider value={{ session, signIn, signOut, refresh, expire, can }}>
      {children}
    </AuthContext.Provider>
  );
}

export function useAuth(): AuthValue {
  const value = useContext(AuthContext);
  if (!value) throw new Error('useAuth outside AuthProvider');
  return value;
}
