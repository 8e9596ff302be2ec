import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { loadSecretFile } from '../shared/key-file.js';

export const MFA_KEY_FILE = 'mfa.key';

/**
 * The key that encrypts TOTP secrets at rest, kept beside the database in the data directory (0600,
 * generated at first start) like the log hash secret: a copy of the database alone yields no secret.
 */
export function loadMfaKey(dataDir: string): Buffer {
  return loadSecretFile(dataDir, MFA_KEY_FILE);
}

/** AES-256-GCM; the admin id is authenticated data, so a secret copied to another admin's row fails. */
export function encryptSecret(key: Buffer, secret: string, adminId: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(adminId));
  const body = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [iv, cipher.getAuthTag(), body].map((part) => part.toString('base64url')).join('.');
}

export function decryptSecret(key: Buffer, stored: string, adminId: string): string {
  const [iv, tag, body] = stored.split('.').map((part) => Buffer.from(part, 'base64url'));
  if (!iv || !tag || !body) throw new Error('malformed MFA secret');
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(adminId));
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(body), decipher.final()]).toString('utf8');
}

export const RECOVERY_CODE_COUNT = 10;
const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/**
 * `xxxx-xxxx-xxxx-xxxx`: 80 random bits, so a plain SHA-256 is a safe way to store them (no
 * dictionary to try) and a lookup stays cheap.
 */
export function generateRecoveryCode(): string {
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b & 31]).join('');
  return chars.match(/.{4}/g)!.join('-');
}

/** Case, spaces and dashes do not matter when a code is typed back; Crockford's look-alikes are folded. */
export function normalizeRecoveryCode(code: string): string {
  return code
    .toLowerCase()
    .replace(/[\s-]/g, '')
    .replace(/[oil]/g, (c) => (c === 'o' ? '0' : '1'));
}

export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(normalizeRecoveryCode(code)).digest('hex');
}

export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}
