import argon2 from 'argon2';
import { validationError } from '../http/errors.js';
import { randomToken } from '../shared/random.js';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

// OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): strong, yet a login stays well under 100 ms.
const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Throws a 422 naming `field` when the password's length is out of bounds; never echoes the value. */
export function checkPasswordStrength(password: string, field = 'password'): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw validationError([{ field, message: `must be at least ${PASSWORD_MIN_LENGTH} characters` }]);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw validationError([{ field, message: `must be at most ${PASSWORD_MAX_LENGTH} characters` }]);
  }
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

/** False for a wrong password and for a hash that cannot be parsed: a login never turns into a 500. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

let dummy: Promise<string> | undefined;

/**
 * Verifying against this when the email is unknown makes both halves of a failed login cost the
 * same, so response timing does not reveal which accounts exist.
 */
export async function verifyDummyPassword(password: string): Promise<void> {
  dummy ??= hashPassword(randomToken(16));
  await verifyPassword(await dummy, password);
}
