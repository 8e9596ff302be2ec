import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { createAdmin, login, PASSWORD, sessionFrom, signIn } from '../helpers/access.js';

const MINUTE = 60_000;

describe.each(DIALECTS)('portal sessions on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect, (config) => {
      config.sessions.secureCookie = true;
    });
  });
  afterAll(() => t.close());

  it('signs in with the right password: HTTP-only strict cookie, CSRF token, no secret in the body', async () => {
    const admin = await createAdmin(t, 'support', 'Mixed.Case@Example.test');
    const response = await login(t, 'mixed.case@example.TEST', PASSWORD, '10.0.0.1');
    expect(response.statusCode).toBe(200);
    const body = response.json();
    expect(body.admin).toMatchObject({ id: admin.id, email: 'mixed.case@example.test', role: 'support' });
    expect(body.admin.last_login_at).toEqual(expect.any(String));
    expect(body.csrf_token).toMatch(/^[\w-]{43}$/);
    expect(response.body).not.toContain('password');
    const cookie = response.cookies.find((c) => c.name === 'km_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', secure: true });
    expect(cookie?.value).toMatch(/^sess_[\w-]{43}$/);
    const stored = await t.services.core.db.selectFrom('sessions').selectAll().execute();
    expect(JSON.stringify(stored)).not.toContain(cookie?.value.slice(5));
    expect(JSON.stringify(stored)).not.toContain(body.csrf_token);

    const session = sessionFrom(response, t);
    const me = await session.request({ method: 'GET', url: '/api/v1/auth/me' });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ type: 'admin', id: admin.id, role: 'support' });
    expect(me.json().session).toBe(`${cookie?.value.slice(0, 13)}...`);
  });

  it('answers an unknown email and a wrong password identically', async () => {
    const admin = await createAdmin(t, 'viewer');
    const wrongPassword = await login(t, admin.email, 'not the password at all', '10.0.1.1');
    const unknownEmail = await login(t, 'nobody@example.test', PASSWORD, '10.0.1.2');
    for (const response of [wrongPassword, unknownEmail]) {
      expect(response.statusCode).toBe(401);
      expect(response.cookies).toHaveLength(0);
    }
    expect(wrongPassword.json()).toEqual(unknownEmail.json());
    expect(wrongPassword.json().error.code).toBe('ERR_INVALID_CREDENTIALS');
  });

  it('slows each failure down more, capped at 2 s, and locks the account after 5 failures', async () => {
    const admin = await createAdmin(t, 'viewer');
    t.sleeps.length = 0;
    for (let i = 0; i < 5; i++) {
      // Failures from different addresses: the lock is per account, not only per address.
      expect((await login(t, admin.email, 'wrong password here', `10.1.0.${i}`)).statusCode).toBe(401);
    }
    expect(t.sleeps).toEqual([250, 500, 750, 1000, 1250]);
    const refused = await login(t, admin.email, PASSWORD, '10.1.1.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.json().error.code).toBe('ERR_TOO_MANY_ATTEMPTS');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(14 * 60);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(15 * 60);
    expect(refused.cookies).toHaveLength(0);

    t.clock.advance(15 * MINUTE + 1000);
    expect((await login(t, admin.email, PASSWORD, '10.1.1.1')).statusCode).toBe(200);
  });

  it('caps the slow-down at 2 s', async () => {
    const admin = await createAdmin(t, 'viewer');
    const sessions = t.services.sessions;
    t.sleeps.length = 0;
    const config = t.services.core.config.loginThrottle;
    const saved = config.maxFailures;
    config.maxFailures = 100;
    try {
      for (let i = 0; i < 10; i++) {
        await expect(
          sessions.login({
            email: admin.email,
            password: 'wrong password!',
            ip: '10.2.0.1',
            userAgent: null,
          }),
        ).rejects.toMatchObject({ code: 'ERR_INVALID_CREDENTIALS' });
      }
    } finally {
      config.maxFailures = saved;
    }
    expect(t.sleeps.slice(-3)).toEqual([2000, 2000, 2000]);
  });

  it('locks an IP address after 5 failures across accounts, even with a right password', async () => {
    const admin = await createAdmin(t, 'viewer');
    for (let i = 0; i < 5; i++) {
      expect((await login(t, `ghost${i}@example.test`, 'wrong password!', '10.3.0.1')).statusCode).toBe(401);
    }
    const refused = await login(t, admin.email, PASSWORD, '10.3.0.1');
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBeDefined();
    // The same account from another address is not locked.
    expect((await login(t, admin.email, PASSWORD, '10.3.0.2')).statusCode).toBe(200);
    t.clock.advance(15 * MINUTE + 1000);
    expect((await login(t, admin.email, PASSWORD, '10.3.0.1')).statusCode).toBe(200);
  });

  it('clears the account failures on success, so earlier mistakes do not add up', async () => {
    const admin = await createAdmin(t, 'viewer');
    for (let i = 0; i < 4; i++) await login(t, admin.email, 'wrong password!', `10.4.0.${i}`);
    expect((await login(t, admin.email, PASSWORD, '10.4.1.1')).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) await login(t, admin.email, 'wrong password!', `10.4.2.${i}`);
    expect((await login(t, admin.email, PASSWORD, '10.4.1.2')).statusCode).toBe(200);
  });

  it('expires an idle session, and refreshes activity while it is used', async () => {
    const session = await signIn(t, 'viewer', '10.5.0.1');
    for (let i = 0; i < 3; i++) {
      t.clock.advance(20 * MINUTE);
      expect((await session.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(200);
    }
    t.clock.advance(31 * MINUTE);
    const expired = await session.request({ method: 'GET', url: '/api/v1/auth/me' });
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('ERR_SESSION_EXPIRED');
  });

  it('expires a session at its absolute lifetime even while active', async () => {
    const session = await signIn(t, 'viewer', '10.6.0.1');
    for (let i = 0; i < 12 * 3 - 1; i++) {
      t.clock.advance(20 * MINUTE);
      expect((await session.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(200);
    }
    t.clock.advance(21 * MINUTE);
    const expired = await session.request({ method: 'GET', url: '/api/v1/auth/me' });
    expect(expired.json().error.code).toBe('ERR_SESSION_EXPIRED');
  });

  it('logs out: the session ends and the cookie is cleared', async () => {
    const session = await signIn(t, 'viewer', '10.7.0.1');
    const out = await session.request({ method: 'POST', url: '/api/v1/auth/logout' });
    expect(out.statusCode).toBe(204);
    const cleared = out.cookies.find((c) => c.name === 'km_session');
    expect(cleared?.value).toBe('');
    const after = await session.request({ method: 'GET', url: '/api/v1/auth/me' });
    expect(after.statusCode).toBe(401);
  });

  it('requires the session CSRF token on state-changing requests only', async () => {
    const session = await signIn(t, 'viewer', '10.8.0.1');
    const other = await signIn(t, 'viewer', '10.8.0.2');
    const patch = { method: 'PATCH' as const, url: '/api/v1/auth/me', payload: { name: 'Vi' } };
    for (const csrf of [null, 'x', other.csrf]) {
      const refused = await session.request({ ...patch, csrf });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('ERR_CSRF_INVALID');
    }
    expect((await session.request({ method: 'GET', url: '/api/v1/auth/me', csrf: null })).statusCode).toBe(
      200,
    );
    const ok = await session.request(patch);
    expect(ok.statusCode).toBe(200);
    expect(ok.json().name).toBe('Vi');
  });

  it('refuses a made-up session cookie', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/api/v1/auth/me',
      cookies: { km_session: 'sess_notarealsessiontokennotarealsessiontoken1' },
    });
    expect(response.statusCode).toBe(401);
    expect(response.json().error.code).toBe('ERR_UNAUTHENTICATED');
  });

  it('changes the password: other sessions end, this one stays, the new password works', async () => {
    const admin = await createAdmin(t, 'support');
    const first = sessionFrom(await login(t, admin.email, PASSWORD, '10.9.0.1'), t);
    const second = sessionFrom(await login(t, admin.email, PASSWORD, '10.9.0.2'), t);
    const change = (current: string, next: string) =>
      first.request({
        method: 'POST',
        url: '/api/v1/auth/password',
        payload: { current_password: current, new_password: next },
      });

    const wrong = await change('not my password', 'a brand new password');
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error.details).toEqual([{ field: 'current_password', message: 'is not correct' }]);
    const short = await change(PASSWORD, 'short');
    expect(short.statusCode).toBe(422);
    expect(short.json().error.details[0].field).toBe('new_password');
    expect(short.body).not.toContain('short"');

    expect((await change(PASSWORD, 'a brand new password')).statusCode).toBe(204);
    expect((await first.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(200);
    expect((await second.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    expect((await login(t, admin.email, PASSWORD, '10.9.0.3')).statusCode).toBe(401);
    expect((await login(t, admin.email, 'a brand new password', '10.9.0.4')).statusCode).toBe(200);
    const row = await t.services.admins.repository.findByEmailWithHash(admin.email);
    expect(row?.password_hash).toMatch(/^\$argon2id\$/);
  });
});
