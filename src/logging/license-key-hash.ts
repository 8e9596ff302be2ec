import { createHmac, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const HASH_SECRET_FILE = 'log-hash.key';

/**
 * The server secret behind licence-key hashes in the logs, kept beside the database in the data
 * directory (0600, generated at first start). Without it a stolen log cannot be matched against
 * guessed keys; with it, a support engineer's full key becomes the same hash to search by.
 */
export function loadHashSecret(dataDir: string): Buffer {
  const file = path.join(dataDir, HASH_SECRET_FILE);
  try {
    return Buffer.from(fs.readFileSync(file, 'utf8').trim(), 'hex');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  fs.mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32);
  try {
    fs.writeFileSync(file, secret.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (error) {
    // Another process created it first: use theirs, so every process hashes alike.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadHashSecret(dataDir);
    throw error;
  }
}

/** HMAC-SHA256 cut to 128 bits: ample against collisions among licence keys, half the index size. */
export function licenseKeyHasher(secret: Buffer): (key: string) => Buffer {
  return (key) => createHmac('sha256', secret).update(key).digest().subarray(0, 16);
}
