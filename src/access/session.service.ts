import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../http/errors.js';
import { unaudited, type Audited } from '../logging/activity.service.js';
import { maskSessionToken } from '../logging/mask.js';
import type { Executor } from '../db/database.js';
import type { SessionMfaState } from '../db/schema.js';
import type { CoreDeps } from '../shared/deps.js';
import type { AdminRecord } from './admin.repository.js';
import { normalizeEmail, type AdminService } from './admin.service.js';
import type { SessionAuthenticator } from './authenticate.js';
import { createLoginFailureRepository } from './login-failure.repository.js';
import { decideLogin, failureDelayMs, windowStart } from './login-throttle.js';
import { verifyDummyPassword, verifyPassword } from './password.js';
import type { Principal } from './principal.js';
import { createSessionRepository } from './session.repository.js';

/** last_seen_at drives idle expiry; a minute's precision is enough and keeps writes off most requests. */
const TOUCH_INTERVAL_MS = 60_000;

/** How long a session that has given its password may take to give its code or to enrol. */
export const MFA_STEP_MINUTES = 10;

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A login refused by throttling; the route turns `retryAfterSeconds` into a Retry-After header. */
export class LoginThrottledError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('ERR_TOO_MANY_ATTEMPTS');
  }
}

export interface LoginInput {
  email: string;
  password: string;
  ip: string;
  userAgent: string | null;
}

export interface LoginResult {
  admin: AdminRecord;
  /** `verify` or `enrol`: the session is open only to the second step until it is done. */
  mfaState: SessionMfaState;
  /** The cookie value and the CSRF token: returned once, stored only as hashes. */
  token: string;
  csrfToken: string;
  expiresAt: string;
}

export interface NewSession {
  token: string;
  csrfToken: string;
  expiresAt: string;
}

/** What the session service asks about an admin's second factor at sign-in. */
export interface MfaSignInPolicy {
  hasAuthenticator(adminId: string): Promise<boolean>;
  /** Read fresh at each sign-in, so a change made through another server process applies at once. */
  requiredForEveryAdmin(): Promise<boolean>;
}

export function createSessionService(deps: CoreDeps, admins: AdminService, mfaPolicy: MfaSignInPolicy) {
  const { db, clock, ids, config, sleep } = deps;
  const sessions = createSessionRepository(db);
  const failures = createLoginFailureRepository(db);
  const settings = config.loginThrottle;

  async function throttle(email: string, ip: string): Promise<{ byEmail: string[]; byIp: string[] }> {
    const since = windowStart(clock.now(), settings).toISOString();
    const [byEmail, byIp] = await Promise.all([
      failures.timesSince('email', email, since),
      failures.timesSince('ip', ip, since),
    ]);
    return { byEmail, byIp };
  }

  /** Records a failed password check and slows the answer; shared by login and password change. */
  async function recordFailure(email: string, ip: string): Promise<void> {
    const now = clock.now();
    await failures.insert({ id: ids.next('lgf'), email, ip, at: now.toISOString() });
    const { byEmail, byIp } = await throttle(email, ip);
    await sleep(failureDelayMs(Math.max(byEmail.length, byIp.length)));
  }

  async function assertNotThrottled(email: string, ip: string): Promise<void> {
    const { byEmail, byIp } = await throttle(email, ip);
    const decision = decideLogin(byEmail, byIp, clock.now(), settings);
    if (!decision.allowed) throw new LoginThrottledError(decision.retryAfterSeconds);
  }

  const authenticator: SessionAuthenticator = {
    async authenticate(token, csrfToken, requireCsrf): Promise<Principal> {
      if (!token.startsWith('sess_')) throw new AppError('ERR_UNAUTHENTICATED');
      const session = await sessions.findByTokenHash(sha256(token));
      if (!session || !sameHash(session.token_hash, sha256(token))) throw new AppError('ERR_UNAUTHENTICATED');
      const now = clock.now();
      const idleLimit = new Date(session.last_seen_at).getTime() + config.sessions.idleMinutes * 60_000;
      if (session.revoked_at || new Date(session.expires_at) <= now || idleLimit <= now.getTime()) {
        throw new AppError('ERR_SESSION_EXPIRED');
      }
      if (requireCsrf && (csrfToken === undefined || !sameHash(session.csrf_hash, sha256(csrfToken)))) {
        throw new AppError('ERR_CSRF_INVALID');
      }
      if (now.getTime() - new Date(session.last_seen_at).getTime() >= TOUCH_INTERVAL_MS) {
        await sessions.touch(session.id, now.toISOString());
      }
      return {
        kind: 'admin',
        adminId: session.admin_id,
        email: session.email,
        role: session.role,
        sessionId: session.id,
        sessionMasked: maskSessionToken(token),
        mfa: session.mfa_state,
      };
    },
  };

  /** A new session row; the token and CSRF token are returned once and stored only as hashes. */
  async function open(
    adminId: string,
    client: { ip: string; userAgent: string | null },
    mfaState: SessionMfaState,
    tx: Executor,
  ): Promise<NewSession> {
    const now = clock.now();
    const nowIso = now.toISOString();
    const token = `sess_${randomBytes(32).toString('base64url')}`;
    const csrfToken = randomBytes(32).toString('base64url');
    const hours = config.sessions.absoluteHours * 3_600_000;
    const lifetime =
      mfaState === 'verify' || mfaState === 'enrol' ? Math.min(hours, MFA_STEP_MINUTES * 60_000) : hours;
    const expiresAt = new Date(now.getTime() + lifetime).toISOString();
    await sessions.insert(
      {
        id: ids.next('ses'),
        token_hash: sha256(token),
        csrf_hash: sha256(csrfToken),
        admin_id: adminId,
        ip: client.ip,
        user_agent: client.userAgent,
        created_at: nowIso,
        last_seen_at: nowIso,
        expires_at: expiresAt,
        revoked_at: null,
        mfa_state: mfaState,
      },
      tx,
    );
    return { token, csrfToken, expiresAt };
  }

  return {
    ...authenticator,

    /**
     * One answer for an unknown email and a wrong password, at the same cost (a dummy hash is
     * verified), after a delay that grows with the recent failures of the account or the address.
     */
    async login(input: LoginInput, audited: Audited = unaudited(db)): Promise<LoginResult> {
      const email = normalizeEmail(input.email);
      await assertNotThrottled(email, input.ip);
      const admin = await admins.repository.findByEmailWithHash(email);
      const ok = admin
        ? await verifyPassword(admin.password_hash, input.password)
        : (await verifyDummyPassword(input.password), false);
      if (!admin || !ok) {
        await recordFailure(email, input.ip);
        throw new AppError('ERR_INVALID_CREDENTIALS');
      }
      const now = clock.now();
      const nowIso = now.toISOString();
      const mfaState: SessionMfaState = (await mfaPolicy.hasAuthenticator(admin.id))
        ? 'verify'
        : (await mfaPolicy.requiredForEveryAdmin())
          ? 'enrol'
          : 'off';
      const opened = await audited(async (tx, entry) => {
        const session = await open(admin.id, input, mfaState, tx);
        entry.note({
          actor_id: admin.id,
          resource_id: admin.id,
          resource: `Admin ${admin.id} (${admin.email})`,
          details: { session: maskSessionToken(session.token), ...(mfaState !== 'off' && { mfa: mfaState }) },
        });
        await failures.clearEmail(email, tx);
        // A sign-in that still owes its second factor is not the last login yet.
        if (mfaState === 'off') await admins.repository.update(admin.id, { last_login_at: nowIso }, tx);
        return session;
      });
      await failures.pruneBefore(windowStart(now, settings).toISOString());
      return { admin: await admins.get(admin.id), mfaState, ...opened };
    },

    assertNotThrottled,
    recordFailure,

    /**
     * Replaces a session by a new one at a higher MFA state (a second factor given, an authenticator
     * set up or turned off): a new token, so a token seen before the step up is worth nothing after.
     */
    async replace(
      principal: { adminId: string; sessionId: string },
      client: { ip: string; userAgent: string | null },
      mfaState: SessionMfaState,
      tx: Executor,
    ): Promise<NewSession> {
      await sessions.revoke(principal.sessionId, clock.now().toISOString(), tx);
      if (mfaState === 'passed') {
        await admins.repository.update(principal.adminId, { last_login_at: clock.now().toISOString() }, tx);
      }
      return open(principal.adminId, client, mfaState, tx);
    },

    async logout(sessionId: string, tx: Executor = db): Promise<void> {
      await sessions.revoke(sessionId, clock.now().toISOString(), tx);
    },

    /**
     * Checks the current password under the same throttling as a login, sets the new one and ends
     * every other session of the admin, so a stolen session dies with the old password.
     */
    async changePassword(
      principal: { adminId: string; email: string; sessionId: string },
      currentPassword: string,
      newPassword: string,
      ip: string,
      audited: Audited = unaudited(db),
    ): Promise<void> {
      await assertNotThrottled(principal.email, ip);
      if (!(await admins.verifyPassword(principal.adminId, currentPassword))) {
        await recordFailure(principal.email, ip);
        throw new AppError('ERR_VALIDATION', undefined, [
          { field: 'current_password', message: 'is not correct' },
        ]);
      }
      await audited(async (tx, entry) => {
        entry.note({ resource_id: principal.adminId, details: { other_sessions_ended: true } });
        await admins.setPassword(principal.adminId, newPassword, 'new_password', tx);
        await sessions.revokeAllForAdmin(
          principal.adminId,
          clock.now().toISOString(),
          principal.sessionId,
          tx,
        );
      });
    },

    /** Used when an admin is deleted or demoted elsewhere: their open sessions end now. */
    async revokeAllForAdmin(adminId: string, tx: Executor = db): Promise<void> {
      await sessions.revokeAllForAdmin(adminId, clock.now().toISOString(), null, tx);
    },

    /** Every session of the admin but `keepId` ends (an authenticator was turned off or set up). */
    async revokeOthers(adminId: string, keepId: string, tx: Executor): Promise<void> {
      await sessions.revokeAllForAdmin(adminId, clock.now().toISOString(), keepId, tx);
    },
  };
}

export type SessionService = ReturnType<typeof createSessionService>;
