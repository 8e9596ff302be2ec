import type { LicenseStatus } from '../db/schema.js';

/** What the decision needs to know about a licence; nothing here reads the database or the clock. */
export interface LicenseFacts {
  status: LicenseStatus;
  expires_at: string | null;
  max_activations: number | null;
  activations_used: number;
}

export type LicenseIntent =
  /** `machineActivated`: the fingerprint already holds a seat on this licence. */
  | { kind: 'activate'; machineActivated: boolean }
  /** `machineActivated` is undefined when the caller sent no fingerprint. */
  | { kind: 'validate'; machineActivated?: boolean };

export type LicenseFailureCode =
  | 'ERR_LICENSE_NOT_FOUND'
  | 'ERR_LICENSE_REVOKED'
  | 'ERR_LICENSE_SUSPENDED'
  | 'ERR_LICENSE_EXPIRED'
  | 'ERR_ACTIVATION_LIMIT'
  | 'ERR_MACHINE_NOT_ACTIVATED';

export type LicenseDecision = { valid: true; code: 'VALID' } | { valid: false; code: LicenseFailureCode };

/** A licence past its expiry is expired whatever its row says, unless it was revoked or suspended first. */
export function effectiveStatus(
  license: Pick<LicenseFacts, 'status' | 'expires_at'>,
  now: Date,
): LicenseStatus {
  if (
    license.status === 'active' &&
    license.expires_at !== null &&
    Date.parse(license.expires_at) <= now.getTime()
  ) {
    return 'expired';
  }
  return license.status;
}

type Check = (license: LicenseFacts, intent: LicenseIntent, now: Date) => LicenseFailureCode | null;

/** Ordered: the first failing check decides, so a revoked and expired licence reports revoked. */
const CHECKS: readonly Check[] = [
  (license) => (license.status === 'revoked' ? 'ERR_LICENSE_REVOKED' : null),
  (license) => (license.status === 'suspended' ? 'ERR_LICENSE_SUSPENDED' : null),
  (license, _intent, now) => (effectiveStatus(license, now) === 'expired' ? 'ERR_LICENSE_EXPIRED' : null),
  (license, intent) =>
    intent.kind === 'activate' &&
    !intent.machineActivated &&
    license.max_activations !== null &&
    license.activations_used >= license.max_activations
      ? 'ERR_ACTIVATION_LIMIT'
      : null,
  (_license, intent) =>
    intent.kind === 'validate' && intent.machineActivated === false ? 'ERR_MACHINE_NOT_ACTIVATED' : null,
];

export function decideLicense(
  license: LicenseFacts | undefined,
  intent: LicenseIntent,
  now: Date,
): LicenseDecision {
  if (!license) return { valid: false, code: 'ERR_LICENSE_NOT_FOUND' };
  for (const check of CHECKS) {
    const code = check(license, intent, now);
    if (code) return { valid: false, code };
  }
  return { valid: true, code: 'VALID' };
}
