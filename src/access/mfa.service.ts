import QRCode from 'qrcode';
import type { Executor } from '../db/database.js';
import { AppError, validationError } from '../http/errors.js';
import type { CoreDeps } from '../shared/deps.js';
import { createMfaRepository } from './mfa.repository.js';
import {
  decryptSecret,
  encryptSecret,
  generateRecoveryCode,
  hashRecoveryCode,
  loadMfaKey,
  RECOVERY_CODE_COUNT,
  sameHash,
} from './mfa-secrets.js';
import { matchTotp, newTotpSecret, totpUri } from './totp.js';

const ISSUER = 'KeyManager';

export interface MfaEnrolment {
  /** Base32, for typing into an app by hand; shown during enrolment only. */
  secret: string;
  otpauth_url: string;
  /** The otpauth URI as a PNG QR code, a `data:` URL an <img> can show. */
  qr_code: string;
}

export interface MfaStatus {
  enabled: boolean;
  recovery_codes_left: number;
}

/** A second factor that checked out, not yet spent: `consume` spends it inside the caller's transaction. */
export type MatchedFactor =
  { method: 'totp'; step: number } | { method: 'recovery_code'; recoveryCodeId: string };

export interface SecondFactorInput {
  totp_code?: string;
  recovery_code?: string;
}

/**
 * TOTP enrolment and checks. Codes are single-use (the last accepted time step is kept) and so are
 * recovery codes; neither a code nor a secret is ever logged or returned after enrolment.
 */
export function createMfaService({ db, clock, ids, config }: CoreDeps) {
  const repository = createMfaRepository(db);
  let key: Buffer | null = null;
  const encryptionKey = () => (key ??= loadMfaKey(config.dataDir));

  async function secretOf(adminId: string, state: 'pending' | 'active'): Promise<string | null> {
    const row = await repository.find(adminId);
    if (!row || row.state !== state) return null;
    return decryptSecret(encryptionKey(), row.secret_encrypted, adminId);
  }

  function newRecoveryCodes(adminId: string, at: string) {
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, generateRecoveryCode);
    const rows = codes.map((code) => ({
      id: ids.next('rcv'),
      admin_id: adminId,
      code_hash: hashRecoveryCode(code),
      created_at: at,
      used_at: null,
    }));
    return { codes, rows };
  }

  return {
    repository,

    async isEnabled(adminId: string, tx: Executor = db): Promise<boolean> {
      return (await repository.find(adminId, tx))?.state === 'active';
    },

    async status(adminId: string): Promise<MfaStatus> {
      const enabled = (await repository.find(adminId))?.state === 'active';
      return {
        enabled,
        recovery_codes_left: enabled ? await repository.countUnusedRecoveryCodes(adminId) : 0,
      };
    },

    /** A fresh secret each time, replacing an unconfirmed one; refused while one is active. */
    async startEnrolment(admin: { adminId: string; email: string }): Promise<MfaEnrolment> {
      if (await this.isEnabled(admin.adminId)) {
        throw new AppError('ERR_CONFLICT', 'Two-factor authentication is already on; turn it off first.');
      }
      const secret = newTotpSecret();
      await repository.savePending({
        admin_id: admin.adminId,
        secret_encrypted: encryptSecret(encryptionKey(), secret, admin.adminId),
        state: 'pending',
        last_used_step: null,
        created_at: clock.now().toISOString(),
        confirmed_at: null,
      });
      const otpauth_url = totpUri(secret, admin.email, ISSUER);
      return { secret, otpauth_url, qr_code: await QRCode.toDataURL(otpauth_url, { margin: 2, width: 240 }) };
    },

    /** Checks a first code against the pending secret; null when it does not match. */
    async matchPending(adminId: string, code: string): Promise<number | null> {
      const secret = await secretOf(adminId, 'pending');
      if (secret === null) {
        throw new AppError('ERR_CONFLICT', 'There is no enrolment to confirm; start one first.');
      }
      return matchTotp(secret, code, clock.now());
    },

    /** Turns the pending authenticator on and returns the recovery codes, the only time they are seen. */
    async activate(adminId: string, step: number, tx: Executor): Promise<string[]> {
      const at = clock.now().toISOString();
      await repository.activate(adminId, step, at, tx);
      const { codes, rows } = newRecoveryCodes(adminId, at);
      await repository.replaceRecoveryCodes(adminId, rows, tx);
      return codes;
    },

    /**
     * Checks a code or a recovery code of an active authenticator without spending it. Every unused
     * recovery code is compared (in constant time), so the answer's timing does not depend on which.
     */
    async match(adminId: string, input: SecondFactorInput): Promise<MatchedFactor | null> {
      const row = await repository.find(adminId);
      if (row?.state !== 'active') return null;
      if (input.totp_code !== undefined) {
        const secret = decryptSecret(encryptionKey(), row.secret_encrypted, adminId);
        const step = await matchTotp(secret, input.totp_code, clock.now());
        if (step === null || (row.last_used_step !== null && step <= row.last_used_step)) return null;
        return { method: 'totp', step };
      }
      if (input.recovery_code !== undefined) {
        const hash = hashRecoveryCode(input.recovery_code);
        let found: string | null = null;
        for (const candidate of await repository.unusedRecoveryCodes(adminId)) {
          if (sameHash(candidate.code_hash, hash)) found = candidate.id;
        }
        return found === null ? null : { method: 'recovery_code', recoveryCodeId: found };
      }
      return null;
    },

    /** Spends a matched factor; false when a concurrent request spent it first. */
    async consume(adminId: string, factor: MatchedFactor, tx: Executor): Promise<boolean> {
      return factor.method === 'totp'
        ? repository.advanceStep(adminId, factor.step, tx)
        : repository.markRecoveryCodeUsed(factor.recoveryCodeId, clock.now().toISOString(), tx);
    },

    async regenerateRecoveryCodes(adminId: string, tx: Executor): Promise<string[]> {
      const { codes, rows } = newRecoveryCodes(adminId, clock.now().toISOString());
      await repository.replaceRecoveryCodes(adminId, rows, tx);
      return codes;
    },

    /** Removes the authenticator and its recovery codes; false when there was none. */
    async remove(adminId: string, tx: Executor): Promise<boolean> {
      return repository.remove(adminId, tx);
    },
  };
}

export type MfaService = ReturnType<typeof createMfaService>;

/** A wrong code in a form (enrolment, turning MFA off): a field error, not a failed sign-in. */
export function codeFieldError(field: 'totp_code' | 'recovery_code'): AppError {
  return validationError([{ field, message: 'is not correct' }]);
}
