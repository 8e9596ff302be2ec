import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../config/config.js';

/**
 * Writes `content` to `file` (mode 0600) unless the file is there: whole, to a private temporary file,
 * then linked into place, which fails if another process got there first; both then use the file that
 * won. A process starting beside another never reads a half-written key.
 */
export function createFileOnce(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    fs.linkSync(temporary, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    fs.rmSync(temporary, { force: true });
  }
}

/**
 * A 32-byte server secret kept hex-encoded in `<dataDir>/<name>`, created on first start. A file that
 * does not hold one stops start-up, naming the file and never its content.
 */
export function loadSecretFile(dataDir: string, name: string): Buffer {
  const file = path.join(dataDir, name);
  if (!fs.existsSync(file)) createFileOnce(file, randomBytes(32).toString('hex') + '\n');
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^[0-9a-f]{64}$/i.test(text)) {
    throw new ConfigError(`${file} does not hold a 32-byte key in hex: restore it from a backup`);
  }
  return Buffer.from(text, 'hex');
}
