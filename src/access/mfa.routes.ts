import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, notFound, validationError } from '../http/errors.js';
import { activityContext, audit } from '../logging/activity.hooks.js';
import { maskSessionToken } from '../logging/mask.js';
import type { Services } from '../services.js';
import { AccessSettingsPatch, AccessSettingsSchema } from './access-settings.js';
import { AdminParams, LoginResponse } from './admin.schemas.js';
import { sessionCookies } from './auth.routes.js';
import {
  CsrfResponse,
  DisableMfaBody,
  MfaEnrolmentSchema,
  MfaStatusSchema,
  RecoveryCodesResponse,
  SecondFactorBody,
  TotpCodeBody,
} from './mfa.schemas.js';
import { codeFieldError, type MatchedFactor, type SecondFactorInput } from './mfa.service.js';
import { actorName, requirePrincipal, type Principal } from './principal.js';
import { LoginThrottledError } from './session.service.js';

const tags = ['auth'];
const resource_type = 'admin' as const;

/** Exactly one of a code and a recovery code. */
function oneFactor(body: SecondFactorInput): SecondFactorInput {
  const given = [body.totp_code, body.recovery_code].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw validationError([{ field: 'totp_code', message: 'give either totp_code or recovery_code' }]);
  }
  return body;
}

/**
 * The caller's own admin session. An admin API key reaches these routes as any authenticated caller
 * reaches its own account's routes, but a key has no second factor: a state it cannot be in (409),
 * like a session that owes no code.
 */
function ownSession(principal: Principal | null): Extract<Principal, { kind: 'admin' }> {
  const p = requirePrincipal(principal);
  if (p.kind !== 'admin') {
    throw new AppError('ERR_CONFLICT', 'Two-factor sign-in belongs to admin accounts; an API key has none.');
  }
  return p;
}

function client(request: FastifyRequest) {
  return { ip: request.ip, userAgent: request.headers['user-agent']?.slice(0, 500) ?? null };
}

/**
 * Two-factor sign-in: enrolment, the code step of sign-in, turning it off, recovery codes, and an
 * owner's reset of another admin. Every check of a code is throttled like a password (the same
 * failure counters per account and address), and no code or secret reaches a log.
 */
export function mfaRoutes(services: Services) {
  const { admins, sessions, activity, mfa, accessSettings } = services;
  const cookies = sessionCookies(services);

  /** Runs a throttled check; a wrong answer counts as a failed sign-in and throws `wrong()`. */
  async function throttled<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    email: string,
    check: () => Promise<T | null>,
    wrong: () => AppError,
  ): Promise<T> {
    try {
      await sessions.assertNotThrottled(email, request.ip);
      const result = await check();
      if (result === null) {
        await sessions.recordFailure(email, request.ip);
        throw wrong();
      }
      return result;
    } catch (error) {
      if (error instanceof LoginThrottledError) reply.header('retry-after', String(error.retryAfterSeconds));
      throw error;
    }
  }

  return async function (fastify: FastifyInstance): Promise<void> {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      '/auth/mfa',
      {
        schema: { tags, response: { 200: MfaStatusSchema } },
        config: { access: { auth: 'admin', permission: 'self', mfaSteps: ['enrol'] } },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const required_for_every_admin = accessSettings.get().require_mfa_for_admins;
        // Like GET /auth/me, this answers for a key too: it has no second factor.
        if (principal.kind !== 'admin')
          return { enabled: false, recovery_codes_left: 0, required_for_every_admin };
        return { ...(await mfa.status(principal.adminId)), required_for_every_admin };
      },
    );

    app.post(
      '/auth/mfa/enrol',
      {
        schema: {
          tags,
          description:
            'Starts enrolment: a new TOTP secret, its otpauth URL and a QR code. Confirm it with a first code; until then it is not used, and after that the secret is never shown again.',
          response: { 200: MfaEnrolmentSchema },
        },
        config: { access: { auth: 'admin', permission: 'self', mfaSteps: ['enrol'] } },
      },
      async (request) => {
        const principal = ownSession(request.principal);
        return mfa.startEnrolment(principal);
      },
    );

    app.post(
      '/auth/mfa/enrol/confirm',
      {
        schema: {
          tags,
          description:
            'Confirms enrolment with a first code: two-factor sign-in is on, the session is replaced by one that passed it (new cookies and CSRF token), other sessions of the admin end, and ten recovery codes are returned this once.',
          body: TotpCodeBody,
          response: { 200: RecoveryCodesResponse },
        },
        config: {
          access: { auth: 'admin', permission: 'self', mfaSteps: ['enrol'] },
          activity: { action: 'MFA_ENROLLED', resource_type },
        },
      },
      async (request, reply) => {
        const principal = ownSession(request.principal);
        const step = await throttled(
          request,
          reply,
          principal.email,
          () => mfa.matchPending(principal.adminId, request.body.totp_code),
          () => codeFieldError('totp_code'),
        );
        const { codes, session } = await audit(
          activity,
          request,
          async (tx, entry) => {
            const recovery = await mfa.activate(principal.adminId, step, tx);
            await sessions.revokeOthers(principal.adminId, principal.sessionId, tx);
            const next = await sessions.replace(principal, client(request), 'passed', tx);
            entry.note({
              resource: `Admin ${principal.adminId} (${principal.email})`,
              details: { session: maskSessionToken(next.token), codes_issued: recovery.length },
            });
            return { codes: recovery, session: next };
          },
          { resource_id: principal.adminId },
        );
        cookies.set(reply, session);
        return { recovery_codes: codes, csrf_token: session.csrfToken };
      },
    );

    app.post(
      '/auth/mfa/verify',
      {
        schema: {
          tags,
          description:
            'The second step of sign-in: a code of the authenticator app or a recovery code. Each code is accepted once. The session is replaced by a full one (new cookies and CSRF token).',
          body: SecondFactorBody,
          response: { 200: LoginResponse },
        },
        config: {
          access: { auth: 'admin', permission: 'self', mfaSteps: ['verify'] },
          activity: { action: 'MFA_VERIFIED', failure_action: 'MFA_VERIFICATION_FAILED', resource_type },
        },
      },
      async (request, reply) => {
        const principal = ownSession(request.principal);
        if (principal.mfa !== 'verify') {
          throw new AppError('ERR_CONFLICT', 'This session does not owe a code.');
        }
        const input = oneFactor(request.body);
        const factor = await throttled<MatchedFactor>(
          request,
          reply,
          principal.email,
          () => mfa.match(principal.adminId, input),
          () => new AppError('ERR_MFA_CODE_INVALID'),
        );
        const spec = {
          action_type:
            factor.method === 'totp' ? ('MFA_VERIFIED' as const) : ('MFA_RECOVERY_CODE_USED' as const),
          failure_action: 'MFA_VERIFICATION_FAILED' as const,
          resource_type,
          resource_id: principal.adminId,
          resource: `Admin ${principal.adminId} (${principal.email})`,
        };
        const session = await activity.record(activityContext(request), spec, async (tx, entry) => {
          // Spent in the transaction that opens the session: a code raced by two requests opens one.
          if (!(await mfa.consume(principal.adminId, factor, tx))) throw new AppError('ERR_MFA_CODE_INVALID');
          const next = await sessions.replace(principal, client(request), 'passed', tx);
          entry.note({ details: { method: factor.method, session: maskSessionToken(next.token) } });
          return next;
        });
        cookies.set(reply, session);
        return { admin: await admins.get(principal.adminId), csrf_token: session.csrfToken, mfa_step: null };
      },
    );

    app.post(
      '/auth/mfa/recovery-codes',
      {
        schema: {
          tags,
          description: 'Replaces the recovery codes (the old ones stop working) after a current code.',
          body: TotpCodeBody,
          response: { 200: RecoveryCodesResponse },
        },
        config: {
          access: { auth: 'admin', permission: 'self' },
          activity: { action: 'MFA_RECOVERY_CODES_REGENERATED', resource_type },
        },
      },
      async (request, reply) => {
        const principal = ownSession(request.principal);
        const factor = await throttled<MatchedFactor>(
          request,
          reply,
          principal.email,
          () => mfa.match(principal.adminId, { totp_code: request.body.totp_code }),
          () => codeFieldError('totp_code'),
        );
        const codes = await audit(
          activity,
          request,
          async (tx) => {
            if (!(await mfa.consume(principal.adminId, factor, tx))) throw codeFieldError('totp_code');
            return mfa.regenerateRecoveryCodes(principal.adminId, tx);
          },
          { resource_id: principal.adminId },
        );
        return { recovery_codes: codes };
      },
    );

    app.post(
      '/auth/mfa/disable',
      {
        schema: {
          tags,
          description:
            'Turns two-factor sign-in off for oneself, with the password and a code (or a recovery code). Other sessions end; this one continues with new cookies. To change phones, turn it off and enrol again.',
          body: DisableMfaBody,
          response: { 200: CsrfResponse },
        },
        config: {
          access: { auth: 'admin', permission: 'self' },
          activity: { action: 'MFA_DISABLED', resource_type },
        },
      },
      async (request, reply) => {
        const principal = ownSession(request.principal);
        const { password, ...factorInput } = request.body;
        const input = oneFactor(factorInput);
        const factor = await throttled<MatchedFactor>(
          request,
          reply,
          principal.email,
          async () => {
            // Both are checked, whatever the first answer, so the timing does not say which was wrong.
            const [passwordOk, matched] = await Promise.all([
              admins.verifyPassword(principal.adminId, password),
              mfa.match(principal.adminId, input),
            ]);
            return passwordOk ? matched : null;
          },
          () =>
            validationError([
              { field: 'password', message: 'or the code is not correct' },
              {
                field: input.totp_code !== undefined ? 'totp_code' : 'recovery_code',
                message: 'or the password is not correct',
              },
            ]),
        );
        const session = await audit(
          activity,
          request,
          async (tx, entry) => {
            if (!(await mfa.consume(principal.adminId, factor, tx))) throw codeFieldError('totp_code');
            await mfa.remove(principal.adminId, tx);
            await sessions.revokeOthers(principal.adminId, principal.sessionId, tx);
            const next = await sessions.replace(principal, client(request), 'off', tx);
            entry.note({ details: { method: factor.method, session: maskSessionToken(next.token) } });
            return next;
          },
          { resource_id: principal.adminId },
        );
        cookies.set(reply, session);
        return { csrf_token: session.csrfToken };
      },
    );

    app.delete(
      '/admins/:id/mfa',
      {
        schema: {
          tags: ['admins'],
          description:
            "An owner resets another admin's two-factor sign-in (a lost phone): the authenticator and recovery codes are removed and the admin's sessions end. The admin enrols again at their next sign-in if MFA is required.",
          params: AdminParams,
          response: { 204: Type.Null() },
        },
        config: {
          access: { auth: 'admin', permission: 'admins:write' },
          activity: { action: 'MFA_RESET', resource_type },
        },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const target = await admins.get(request.params.id);
        if (principal.kind === 'admin' && principal.adminId === target.id) {
          throw new AppError(
            'ERR_CONFLICT',
            'Reset your own two-factor sign-in from your account, with your password and a code.',
          );
        }
        await audit(
          activity,
          request,
          async (tx, entry) => {
            if (!(await mfa.remove(target.id, tx))) throw notFound('Two-factor authentication of this admin');
            await sessions.revokeAllForAdmin(target.id, tx);
            entry.note({
              resource: `Admin ${target.id} (${target.email})`,
              details: { sessions_ended: true },
            });
          },
          { resource_id: target.id },
        );
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/settings/access',
      {
        schema: { tags: ['settings'], response: { 200: AccessSettingsSchema } },
        config: { access: { auth: 'admin', permission: 'settings:read' } },
      },
      async () => accessSettings.get(),
    );

    app.put(
      '/settings/access',
      {
        schema: {
          tags: ['settings'],
          description:
            'Owner only. `require_mfa_for_admins`: every admin signs in with two factors; one without an authenticator is sent to enrolment after the password (open sessions too).',
          body: AccessSettingsPatch,
          response: { 200: AccessSettingsSchema },
        },
        config: {
          access: { auth: 'admin', permission: 'admins:write' },
          activity: { action: 'SETTINGS_UPDATED', resource_type: 'settings' },
        },
      },
      async (request) =>
        accessSettings.update(
          request.body,
          (action) => audit(activity, request, action),
          actorName(requirePrincipal(request.principal)),
        ),
    );
  };
}
