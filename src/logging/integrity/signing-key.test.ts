import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/config.js';
import { keyId } from './checkpoint.js';
import { SIGNING_KEY_FILE, loadSigningKey } from './signing-key.js';

const tempDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'km-signing-'));

describe('the checkpoint signing key', () => {
  it('is created on first start in the data directory, readable by its owner only, and kept', () => {
    const dataDir = tempDir();
    const first = loadSigningKey({ dataDir, integrity: {} });
    const file = path.join(dataDir, SIGNING_KEY_FILE);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(loadSigningKey({ dataDir, integrity: {} }).id).toBe(first.id);
    expect(first.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(fs.readdirSync(dataDir)).toEqual([SIGNING_KEY_FILE]);
  });

  it('is the same key for processes starting together', async () => {
    const dataDir = tempDir();
    const script = `import('${path.resolve('src/logging/integrity/signing-key.ts')}').then(m => process.stdout.write(m.loadSigningKey({ dataDir: ${JSON.stringify(dataDir)}, integrity: {} }).id))`;
    const run = async () =>
      (await promisify(execFile)(process.execPath, ['--import', 'tsx', '-e', script])).stdout;
    const ids = await Promise.all([run(), run(), run()]);
    expect(new Set(ids).size).toBe(1);
    expect(loadSigningKey({ dataDir, integrity: {} }).id).toBe(ids[0]);
  });

  it('comes from KM_SIGNING_KEY when set, and then no file is written', () => {
    const dataDir = tempDir();
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(loadSigningKey({ dataDir, integrity: { signingKey: pem } }).id).toBe(keyId(publicKey));
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });

  it.each([
    ['text that is no key', 'not-a-key-SECRET'],
    [
      'an RSA key',
      generateKeyPairSync('rsa', { modulusLength: 1024 })
        .privateKey.export({ type: 'pkcs8', format: 'pem' })
        .toString(),
    ],
    [
      'a public key',
      generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    ],
  ])('refuses %s in KM_SIGNING_KEY with a reason that does not repeat it', (_name, signingKey) => {
    const load = () => loadSigningKey({ dataDir: tempDir(), integrity: { signingKey } });
    expect(load).toThrow(ConfigError);
    expect(load).toThrow('KM_SIGNING_KEY must be an Ed25519 private key in PEM form');
    try {
      load();
    } catch (error) {
      expect((error as Error).message).not.toContain(signingKey.slice(0, 20));
      expect((error as Error).message).not.toContain('SECRET');
    }
  });
});

describe('start-up with an unusable KM_SIGNING_KEY', () => {
  it('stops before opening the database, with a reason that does not repeat the key', async () => {
    const { createServices } = await import('../../services.js');
    const { loadConfig } = await import('../../config/config.js');
    const dataDir = tempDir();
    const config = loadConfig({
      KM_LOG_LEVEL: 'silent',
      KM_DATA_DIR: dataDir,
      KM_SIGNING_KEY: '-----BEGIN PRIVATE KEY-----\nSECRETSECRET\n-----END PRIVATE KEY-----',
    });
    const started = createServices(config);
    await expect(started).rejects.toThrow(
      new ConfigError('KM_SIGNING_KEY must be an Ed25519 private key in PEM form'),
    );
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});
