import { createHmac } from 'node:crypto';
import { loadSecretFile } from '../shared/key-file.js';

export const HASH_SECRET_FILE = 'log-hash.key';

/**
 * The server secret behind licence-key hashes in the logs, kept beside the database in the data
 * directory (0600, generated at first start). Without it a stolen log cannot be matched against
 * guessed keys; with it, a support engineer's full key becomes the same hash to search by.
 */
export function loadHashSecret(dataDir: string): Buffer {
  return loadSecretFile(dataDir, HASH_SECRET_FILE);
}

const CACHED_KEYS = 4096;

/**
 * HMAC-SHA256 cut to 128 bits: ample against collisions among licence keys, half the index size.
 * The same keys are validated over and over and an HMAC costs about 19 µs on the request path, so
 * recent results are kept (the keys themselves are in the licences table in clear anyway).
 */
export function licenseKeyHasher(secret: Buffer): (key: string) => Buffer {
  const cache = new Map<string, Buffer>();
  return (key) => {
    let hash = cache.get(key);
    if (hash === undefined) {
      hash = createHmac('sha256', secret).update(key).digest().subarray(0, 16);
      // Cleared rather than evicted one by one: cheap, and a full cache means keys are not repeating.
      if (cache.size >= CACHED_KEYS) cache.clear();
      cache.set(key, hash);
    }
    return hash;
  };
}
