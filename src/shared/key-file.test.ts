import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSecretFile } from './key-file.js';

const newDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'km-key-file-'));

describe('a secret kept in a file of the data directory', () => {
  it('is created once, private to its owner, and read back the same', () => {
    const dir = path.join(newDir(), 'not-yet-there');
    const first = loadSecretFile(dir, 'test.key');
    expect(first).toHaveLength(32);
    expect(fs.statSync(path.join(dir, 'test.key')).mode & 0o777).toBe(0o600);
    expect(loadSecretFile(dir, 'test.key').equals(first)).toBe(true);
    // No temporary file is left beside it.
    expect(fs.readdirSync(dir)).toEqual(['test.key']);
  });

  it('stops start-up on a damaged file, naming the file and never its content', () => {
    const dir = newDir();
    const damaged = 'ab'.repeat(20); // 20 bytes of a 32-byte key: a truncated copy
    fs.writeFileSync(path.join(dir, 'test.key'), damaged);
    let message = '';
    try {
      loadSecretFile(dir, 'test.key');
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(path.join(dir, 'test.key'));
    expect(message).toContain('restore it from a backup');
    expect(message).not.toContain(damaged);
    // The damaged file is left as it was, for whoever restores it.
    expect(fs.readFileSync(path.join(dir, 'test.key'), 'utf8')).toBe(damaged);
  });
});
