import { describe, expect, it } from 'vitest';
import {
  decideLicense,
  effectiveStatus,
  type LicenseFacts,
  type LicenseIntent,
} from './license-validation.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');
const PAST = '2026-06-01T11:59:59.999Z';
const FUTURE = '2026-06-01T12:00:00.001Z';

const base: LicenseFacts = { status: 'active', expires_at: null, max_activations: 2, activations_used: 0 };
const activateNew: LicenseIntent = { kind: 'activate', machineActivated: false };
const activateAgain: LicenseIntent = { kind: 'activate', machineActivated: true };
const validateAny: LicenseIntent = { kind: 'validate' };
const validateKnown: LicenseIntent = { kind: 'validate', machineActivated: true };
const validateUnknown: LicenseIntent = { kind: 'validate', machineActivated: false };

describe('decideLicense', () => {
  it.each<[string, LicenseFacts | undefined, LicenseIntent, string]>([
    ['unknown key', undefined, activateNew, 'ERR_LICENSE_NOT_FOUND'],
    ['unknown key on validate', undefined, validateAny, 'ERR_LICENSE_NOT_FOUND'],
    ['active, seats free', base, activateNew, 'VALID'],
    ['revoked', { ...base, status: 'revoked' }, validateAny, 'ERR_LICENSE_REVOKED'],
    [
      'revoked beats suspended and expired',
      { ...base, status: 'revoked', expires_at: PAST },
      activateNew,
      'ERR_LICENSE_REVOKED',
    ],
    ['suspended', { ...base, status: 'suspended' }, validateAny, 'ERR_LICENSE_SUSPENDED'],
    [
      'suspended beats expired',
      { ...base, status: 'suspended', expires_at: PAST },
      validateAny,
      'ERR_LICENSE_SUSPENDED',
    ],
    ['expired by time', { ...base, expires_at: PAST }, validateAny, 'ERR_LICENSE_EXPIRED'],
    ['expires exactly now', { ...base, expires_at: NOW.toISOString() }, validateAny, 'ERR_LICENSE_EXPIRED'],
    ['expires a millisecond later', { ...base, expires_at: FUTURE }, validateAny, 'VALID'],
    ['stored as expired', { ...base, status: 'expired' }, validateAny, 'ERR_LICENSE_EXPIRED'],
    [
      'expired beats the seat limit',
      { ...base, expires_at: PAST, activations_used: 2 },
      activateNew,
      'ERR_LICENSE_EXPIRED',
    ],
    ['seats all taken', { ...base, activations_used: 2 }, activateNew, 'ERR_ACTIVATION_LIMIT'],
    [
      'over the limit after it was lowered',
      { ...base, activations_used: 3 },
      activateNew,
      'ERR_ACTIVATION_LIMIT',
    ],
    ['seats all taken, machine already holds one', { ...base, activations_used: 2 }, activateAgain, 'VALID'],
    ['zero seats', { ...base, max_activations: 0 }, activateNew, 'ERR_ACTIVATION_LIMIT'],
    ['unlimited', { ...base, max_activations: null, activations_used: 10_000 }, activateNew, 'VALID'],
    ['validate ignores the seat limit', { ...base, activations_used: 2 }, validateAny, 'VALID'],
    ['validate with an activated machine', base, validateKnown, 'VALID'],
    ['validate with an unknown machine', base, validateUnknown, 'ERR_MACHINE_NOT_ACTIVATED'],
    [
      'suspended beats unknown machine',
      { ...base, status: 'suspended' },
      validateUnknown,
      'ERR_LICENSE_SUSPENDED',
    ],
  ])('%s → %s', (_name, license, intent, expected) => {
    const decision = decideLicense(license, intent, NOW);
    expect(decision.code).toBe(expected);
    expect(decision.valid).toBe(expected === 'VALID');
  });
});

describe('effectiveStatus', () => {
  it.each<[LicenseFacts['status'], string | null, string]>([
    ['active', null, 'active'],
    ['active', FUTURE, 'active'],
    ['active', PAST, 'expired'],
    ['suspended', PAST, 'suspended'],
    ['revoked', PAST, 'revoked'],
  ])('%s expiring %s reads as %s', (status, expiresAt, expected) => {
    expect(effectiveStatus({ status, expires_at: expiresAt }, NOW)).toBe(expected);
  });
});
