import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../config/config.js';
import { createFileOnce } from '../../shared/key-file.js';
import { keyId } from './checkpoint.js';

export const SIGNING_KEY_FILE = 'checkpoint-signing.pem';

export interface SigningKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** keyId(publicKey): what each checkpoint names in its `key` line. */
  id: string;
  /** SPKI PEM, what `logs verify --public-key` and the public-key route give out. */
  publicKeyPem: string;
}

function signingKeyOf(privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey);
  return {
    privateKey,
    publicKey,
    id: keyId(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}

/** An Ed25519 private key from PEM text, or null: the parser's own message could quote the key. */
function ed25519(pem: string): KeyObject | null {
  try {
    const key = createPrivateKey(pem);
    return key.asymmetricKeyType === 'ed25519' ? key : null;
  } catch {
    return null;
  }
}

/** Writes a new key pair's private key to `file` unless one is there. */
function createKeyFile(file: string): void {
  const { privateKey } = generateKeyPairSync('ed25519');
  createFileOnce(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
}

/**
 * The checkpoints' signing key: `KM_SIGNING_KEY` when set (an Ed25519 private key, PEM), else the key
 * kept in `<dataDir>/checkpoint-signing.pem`, created on first start (mode 0600). A key that cannot be
 * used stops start-up with a reason that never repeats the key.
 */
export function loadSigningKey(config: { dataDir: string; integrity: { signingKey?: string } }): SigningKey {
  const given = config.integrity.signingKey;
  if (given !== undefined) {
    const key = ed25519(given);
    if (!key) throw new ConfigError('KM_SIGNING_KEY must be an Ed25519 private key in PEM form');
    return signingKeyOf(key);
  }
  const file = path.join(config.dataDir, SIGNING_KEY_FILE);
  if (!fs.existsSync(file)) createKeyFile(file);
  const key = ed25519(fs.readFileSync(file, 'utf8'));
  if (!key) throw new ConfigError(`${file} does not hold an Ed25519 private key in PEM form`);
  return signingKeyOf(key);
}
