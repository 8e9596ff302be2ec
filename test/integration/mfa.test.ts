import type { LightMyRequestResponse } from 'fastify';
import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { createAdmin, login, PASSWORD, type TestSession } from '../helpers/access.js';
import { activityRows, detailsOf, newActivity } from '../helpers/activity.js';
import { DIALECTS } from '../helpers/database.js';
import type { Role } from '../../src/db/schema.js';

const MINUTE = 60_000;

describe.each(DIALECTS)('two-factor sign-in on %s', (dialect) => {
  let t: TestContext;
  let ip = 0;
  // Each test signs in from its own address, so throttling in one does not leak into another.
  const nextIp = () => `10.9.${Math.floor(++ip / 200)}.${ip % 200}`;

  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  const codeAt = (secret: string, offsetMs = 0) =>
    generate({ secret, epoch: Math.floor((t.clock.now().getTime() + offsetMs) / 1000) });

  /**
   * The session a response opened (sign-in or a step up): its cookie and CSRF token, used from one
   * address, so the failure counters of one test do not reach another's.
   */
  type Session = TestSession & { address: string };

  function sessionOf(response: LightMyRequestResponse, address: string): Session {
    const cookie = response.cookies.find((c) => c.name === 'km_session')?.value;
    const body = response.json() as { csrf_token: string; admin?: TestSession['admin'] };
    if (!cookie) throw new Error(`no session: ${response.statusCode} ${response.body}`);
    return {
      address,
      admin: body.admin as TestSession['admin'],
      cookie,
      csrf: body.csrf_token,
      request: ({ csrf, headers, ...options }) =>
        t.app.inject({
          ...options,
          remoteAddress: address,
          cookies: { km_session: cookie },
          headers: { ...(csrf === null ? {} : { 'x-csrf-token': csrf ?? body.csrf_token }), ...headers },
        }),
    };
  }

  async function signInAs(role: Role) {
    const admin = await createAdmin(t, role);
    const address = nextIp();
    return sessionOf(await login(t, admin.email, PASSWORD, address), address);
  }

  /** Enrols a signed-in session; returns the secret, the recovery codes and the new full session. */
  async function enrol(session: Session) {
    const started = await session.request({ method: 'POST', url: '/api/v1/auth/mfa/enrol' });
    expect(started.statusCode).toBe(200);
    const { secret } = started.json() as { secret: string };
    const confirmed = await session.request({
      method: 'POST',
      url: '/api/v1/auth/mfa/enrol/confirm',
      payload: { totp_code: await codeAt(secret) },
    });
    expect(confirmed.statusCode).toBe(200);
    const recoveryCodes = (confirmed.json() as { recovery_codes: string[] }).recovery_codes;
    // A code is single-use: the next sign-in waits for the next time step.
    t.clock.advance(30_000);
    return { secret, recoveryCodes, session: sessionOf(confirmed, session.address) };
  }

  async function adminWithMfa(role: Role = 'security') {
    const admin = await createAdmin(t, role);
    const address = nextIp();
    const first = sessionOf(await login(t, admin.email, PASSWORD, address), address);
    const enrolled = await enrol(first);
    return { admin, ...enrolled };
  }

  function verify(session: Session, payload: Record<string, unknown>) {
    return session.request({ method: 'POST', url: '/api/v1/auth/mfa/verify', payload });
  }

  async function passwordStep(email: string, address = nextIp()) {
    const response = await login(t, email, PASSWORD, address);
    expect(response.statusCode).toBe(200);
    return { response, session: sessionOf(response, address), address };
  }

  it('enrols with a QR code and a manual key, confirms with a code and shows ten recovery codes once', async () => {
    const session = await signInAs('support');
    const started = await session.request({ method: 'POST', url: '/api/v1/auth/mfa/enrol' });
    expect(started.statusCode).toBe(200);
    const body = started.json() as { secret: string; otpauth_url: string; qr_code: string };
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(body.otpauth_url).toMatch(/^otpauth:\/\/totp\/KeyManager:/);
    expect(body.otpauth_url).toContain(`secret=${body.secret}`);
    expect(body.qr_code).toMatch(/^data:image\/png;base64,/);
    // Not on yet: the next sign-in still needs no code.
    expect((await session.request({ method: 'GET', url: '/api/v1/auth/mfa' })).json()).toMatchObject({
      enabled: false,
    });

    const wrong = await session.request({
      method: 'POST',
      url: '/api/v1/auth/mfa/enrol/confirm',
      payload: { totp_code: '000000' === (await codeAt(body.secret)) ? '111111' : '000000' },
    });
    expect(wrong.statusCode).toBe(422);
    expect(wrong.json().error.details).toEqual([{ field: 'totp_code', message: 'is not correct' }]);

    const entries = await newActivity(t, async () => {
      const confirmed = await session.request({
        method: 'POST',
        url: '/api/v1/auth/mfa/enrol/confirm',
        payload: { totp_code: await codeAt(body.secret) },
      });
      expect(confirmed.statusCode).toBe(200);
      const codes = (confirmed.json() as { recovery_codes: string[] }).recovery_codes;
      expect(codes).toHaveLength(10);
      expect(new Set(codes).size).toBe(10);
      for (const code of codes) expect(code).toMatch(/^[0-9a-z]{4}(-[0-9a-z]{4}){3}$/);

      // The session was replaced: the old cookie is dead, the new one passed MFA.
      expect((await session.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
      const next = sessionOf(confirmed, session.address);
      const me = (await next.request({ method: 'GET', url: '/api/v1/auth/me' })).json();
      expect(me).toMatchObject({ mfa_enabled: true, mfa_passed: true, mfa_step: null });
      const status = await next.request({ method: 'GET', url: '/api/v1/auth/mfa' });
      expect(status.json()).toEqual({
        enabled: true,
        recovery_codes_left: 10,
        required_for_every_admin: false,
      });
      // Never shown again: a new enrolment is refused while this one is on.
      const again = await next.request({ method: 'POST', url: '/api/v1/auth/mfa/enrol' });
      expect(again.statusCode).toBe(409);

      // Stored encrypted and hashed: neither the secret nor a code is in the database.
      const stored = JSON.stringify([
        await t.services.core.db.selectFrom('admin_mfa').selectAll().execute(),
        await t.services.core.db.selectFrom('admin_recovery_codes').selectAll().execute(),
      ]);
      expect(stored).not.toContain(body.secret);
      for (const code of codes) expect(stored).not.toContain(code);
    });
    expect(entries.map((e) => [e.action_type, e.result])).toContainEqual(['MFA_ENROLLED', 'success']);
    const all = JSON.stringify(await activityRows(t));
    expect(all).not.toContain(body.secret);
  });

  it('signs in in two steps: the password opens only the code step, a code finishes it', async () => {
    const { admin, secret } = await adminWithMfa('owner');
    const { response, session } = await passwordStep(admin.email);
    expect(response.json()).toMatchObject({ mfa_step: 'verify' });

    // Not signed in yet: only the code step, /auth/me and sign-out are open.
    const products = await session.request({ method: 'GET', url: '/api/v1/products' });
    expect(products.statusCode).toBe(401);
    expect(products.json().error.code).toBe('ERR_MFA_PENDING');
    const me = await session.request({ method: 'GET', url: '/api/v1/auth/me' });
    expect(me.json()).toMatchObject({ mfa_step: 'verify', mfa_passed: false });

    const wrongCode = (await codeAt(secret)) === '123456' ? '654321' : '123456';
    const failed = await newActivity(t, async () => {
      const wrong = await verify(session, { totp_code: wrongCode });
      expect(wrong.statusCode).toBe(401);
      expect(wrong.json().error.code).toBe('ERR_MFA_CODE_INVALID');
      expect(wrong.cookies).toHaveLength(0);
    });
    expect(failed.map((e) => [e.action_type, e.result])).toEqual([['MFA_VERIFICATION_FAILED', 'failure']]);
    expect(JSON.stringify(failed)).not.toContain(wrongCode);

    const code = await codeAt(secret);
    const done = await newActivity(t, async () => {
      const ok = await verify(session, { totp_code: code });
      expect(ok.statusCode).toBe(200);
      expect(ok.json()).toMatchObject({ mfa_step: null, admin: { id: admin.id } });
      const full = sessionOf(ok, session.address);
      expect((await full.request({ method: 'GET', url: '/api/v1/products' })).statusCode).toBe(200);
      // The pending session's token is worth nothing now.
      expect((await session.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    });
    expect(done.map((e) => [e.action_type, e.result])).toEqual([['MFA_VERIFIED', 'success']]);
    expect(detailsOf(done[0]!)).toMatchObject({ method: 'totp' });
    expect(JSON.stringify(done)).not.toContain(code);

    // The same code, replayed within its validity in another sign-in, is refused.
    const replay = await passwordStep(admin.email);
    const reused = await verify(replay.session, { totp_code: code });
    expect(reused.statusCode).toBe(401);
    expect(reused.json().error.code).toBe('ERR_MFA_CODE_INVALID');
    t.clock.advance(30_000);
    expect((await verify(replay.session, { totp_code: await codeAt(secret) })).statusCode).toBe(200);
  });

  it('accepts a recovery code once, in any case and with or without dashes', async () => {
    const { admin, recoveryCodes } = await adminWithMfa();
    const [code] = recoveryCodes;
    const first = await passwordStep(admin.email);
    const entries = await newActivity(t, async () => {
      const ok = await verify(first.session, { recovery_code: code!.toUpperCase().replaceAll('-', ' ') });
      expect(ok.statusCode).toBe(200);
      const status = await sessionOf(ok, first.session.address).request({
        method: 'GET',
        url: '/api/v1/auth/mfa',
      });
      expect(status.json()).toMatchObject({ recovery_codes_left: 9 });
    });
    expect(entries.map((e) => e.action_type)).toEqual(['MFA_RECOVERY_CODE_USED']);
    expect(JSON.stringify(entries)).not.toContain(code);

    const second = await passwordStep(admin.email);
    const replayed = await verify(second.session, { recovery_code: code });
    expect(replayed.statusCode).toBe(401);
    expect(replayed.json().error.code).toBe('ERR_MFA_CODE_INVALID');
    expect((await verify(second.session, { recovery_code: recoveryCodes[1] })).statusCode).toBe(200);
  });

  it('lets the code step expire after 10 minutes', async () => {
    const { admin, secret } = await adminWithMfa();
    const { session } = await passwordStep(admin.email);
    t.clock.advance(10 * MINUTE + 1000);
    const late = await verify(session, { totp_code: await codeAt(secret) });
    expect(late.statusCode).toBe(401);
    expect(late.json().error.code).toBe('ERR_SESSION_EXPIRED');
  });

  it('counts wrong codes like wrong passwords and locks the account after 5', async () => {
    const { admin, secret } = await adminWithMfa();
    const { session } = await passwordStep(admin.email);
    const right = await codeAt(secret);
    const wrong = right === '000000' ? '999999' : '000000';
    t.sleeps.length = 0;
    for (let i = 0; i < 5; i++) expect((await verify(session, { totp_code: wrong })).statusCode).toBe(401);
    expect(t.sleeps).toEqual([250, 500, 750, 1000, 1250]);
    const locked = await verify(session, { totp_code: right });
    expect(locked.statusCode).toBe(429);
    expect(locked.json().error.code).toBe('ERR_TOO_MANY_ATTEMPTS');
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    // The password step is locked too: the counter is the account's.
    expect((await login(t, admin.email, PASSWORD, nextIp())).statusCode).toBe(429);
    t.clock.advance(15 * MINUTE + 1000);
  });

  it('refuses malformed second-factor bodies with 422 and a full session at the code step', async () => {
    const { admin, secret, session: full } = await adminWithMfa();
    const { session } = await passwordStep(admin.email);
    for (const payload of [
      {},
      { totp_code: '123456', recovery_code: 'abcd-abcd-abcd-abcd' },
      { totp_code: '123456', extra: true },
      { totp_code: 123456 },
      { totp_code: '1'.repeat(50) },
    ]) {
      const response = await verify(session, payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(422);
    }
    // A six-character non-numeric code is simply wrong.
    expect((await verify(session, { totp_code: 'abcdef' })).json().error.code).toBe('ERR_MFA_CODE_INVALID');
    const already = await verify(full, { totp_code: await codeAt(secret) });
    expect(already.statusCode).toBe(409);
  });

  it('turns MFA off with the password and a code; the next sign-in needs no code', async () => {
    const { admin, secret, session } = await adminWithMfa('viewer');
    const badPassword = await session.request({
      method: 'POST',
      url: '/api/v1/auth/mfa/disable',
      payload: { password: 'not the password', totp_code: await codeAt(secret) },
    });
    expect(badPassword.statusCode).toBe(422);
    const entries = await newActivity(t, async () => {
      const off = await session.request({
        method: 'POST',
        url: '/api/v1/auth/mfa/disable',
        payload: { password: PASSWORD, totp_code: await codeAt(secret) },
      });
      expect(off.statusCode).toBe(200);
      const next = sessionOf(off, session.address);
      expect((await next.request({ method: 'GET', url: '/api/v1/auth/mfa' })).json()).toMatchObject({
        enabled: false,
      });
    });
    expect(entries.map((e) => [e.action_type, e.result])).toEqual([['MFA_DISABLED', 'success']]);
    expect(JSON.stringify(entries)).not.toContain(PASSWORD);
    const { response } = await passwordStep(admin.email);
    expect(response.json().mfa_step).toBeNull();
  });

  it('replaces the recovery codes after a current code', async () => {
    const { admin, secret, recoveryCodes, session } = await adminWithMfa();
    const fresh = await session.request({
      method: 'POST',
      url: '/api/v1/auth/mfa/recovery-codes',
      payload: { totp_code: await codeAt(secret) },
    });
    expect(fresh.statusCode).toBe(200);
    const codes = (fresh.json() as { recovery_codes: string[] }).recovery_codes;
    expect(codes).toHaveLength(10);
    const { session: pending } = await passwordStep(admin.email);
    expect((await verify(pending, { recovery_code: recoveryCodes[0] })).statusCode).toBe(401);
    expect((await verify(pending, { recovery_code: codes[0] })).statusCode).toBe(200);
  });

  it("lets an owner reset another admin's MFA, ending their sessions", async () => {
    const { admin, session: theirs } = await adminWithMfa('support');
    const owner = await signInAs('owner');
    const security = await signInAs('security');
    const url = `/api/v1/admins/${admin.id}/mfa`;
    expect((await security.request({ method: 'DELETE', url })).statusCode).toBe(403);
    expect(
      (await owner.request({ method: 'DELETE', url: `/api/v1/admins/${owner.admin.id}/mfa` })).statusCode,
    ).toBe(409);
    const entries = await newActivity(t, async () => {
      expect((await owner.request({ method: 'DELETE', url })).statusCode).toBe(204);
    });
    expect(entries.map((e) => [e.action_type, e.result, e.resource_id])).toEqual([
      ['MFA_RESET', 'success', admin.id],
    ]);
    expect((await theirs.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
    expect((await owner.request({ method: 'DELETE', url })).statusCode).toBe(404);
    const { response } = await passwordStep(admin.email);
    expect(response.json().mfa_step).toBeNull();
  });

  it('sends admins without MFA to enrolment when an owner requires it for every admin', async () => {
    const owner = await adminWithMfa('owner');
    const security = await signInAs('security');
    const refused = await security.request({
      method: 'PUT',
      url: '/api/v1/settings/access',
      payload: { require_mfa_for_admins: true },
    });
    expect(refused.statusCode).toBe(403);
    const bad = await owner.session.request({
      method: 'PUT',
      url: '/api/v1/settings/access',
      payload: { require_mfa_for_admins: 'yes' },
    });
    expect(bad.statusCode).toBe(422);
    const on = await owner.session.request({
      method: 'PUT',
      url: '/api/v1/settings/access',
      payload: { require_mfa_for_admins: true },
    });
    expect(on.statusCode).toBe(200);
    expect(on.json()).toEqual({ require_mfa_for_admins: true });
    try {
      // An open session without MFA is held at enrolment too.
      const held = await security.request({ method: 'GET', url: '/api/v1/products' });
      expect(held.statusCode).toBe(403);
      expect(held.json().error.code).toBe('ERR_MFA_ENROLMENT_REQUIRED');

      const admin = await createAdmin(t, 'support');
      const { response, session } = await passwordStep(admin.email);
      expect(response.json().mfa_step).toBe('enrol');
      expect((await session.request({ method: 'GET', url: '/api/v1/licenses' })).json().error.code).toBe(
        'ERR_MFA_ENROLMENT_REQUIRED',
      );
      expect((await session.request({ method: 'GET', url: '/api/v1/auth/me' })).json().mfa_step).toBe(
        'enrol',
      );
      const { session: full } = await enrol(session);
      expect((await full.request({ method: 'GET', url: '/api/v1/licenses' })).statusCode).toBe(200);
      // Admins with MFA are not affected.
      expect((await owner.session.request({ method: 'GET', url: '/api/v1/products' })).statusCode).toBe(200);
    } finally {
      await owner.session.request({
        method: 'PUT',
        url: '/api/v1/settings/access',
        payload: { require_mfa_for_admins: false },
      });
    }
  });

  it('requires a session that passed MFA to read logs when require_mfa_for_log_access is on', async () => {
    const withMfa = await adminWithMfa('security');
    const without = await signInAs('security');
    const put = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { require_mfa_for_log_access: true },
    });
    expect(put.statusCode).toBe(200);
    expect(put.json().require_mfa_for_log_access).toBe(true);
    try {
      for (const url of [
        '/api/v1/logs/activity',
        '/api/v1/logs/activity?format=csv',
        '/api/v1/logs/api-calls',
        '/api/v1/logs/blocked',
      ]) {
        const refused = await without.request({ method: 'GET', url });
        expect(refused.statusCode, url).toBe(403);
        expect(refused.json().error.code).toBe('ERR_MFA_REQUIRED');
        expect((await withMfa.session.request({ method: 'GET', url })).statusCode, url).toBe(200);
        // API keys are not people: they have no second factor and are unaffected.
        expect((await t.request({ method: 'GET', url })).statusCode, url).toBe(200);
      }
      // Everything else stays open to the session without MFA.
      expect((await without.request({ method: 'GET', url: '/api/v1/settings/logging' })).statusCode).toBe(
        200,
      );
    } finally {
      await t.request({
        method: 'PUT',
        url: '/api/v1/settings/logging',
        payload: { require_mfa_for_log_access: false },
      });
    }
    expect((await without.request({ method: 'GET', url: '/api/v1/logs/activity' })).statusCode).toBe(200);
  });
});
