import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';

/**
 * Where archives are kept: names are `/`-separated paths (`api_calls/2026-01-31.ndjson.gz`). A `put`
 * is all or nothing: a reader never sees part of an object, so a manifest (written after its data
 * file) only exists once its archive is complete. A `put` never replaces an object: two archive runs
 * at once (the server's job and `keymanager logs archive`, or two servers) that chose the same part
 * cannot overwrite each other's entries; the later one fails and its log keeps everything until the
 * next run.
 */
export interface ArchiveStore {
  /** Where the archives go, for messages: never a secret. */
  location: string;
  /** Rejects with ArchiveObjectExistsError when `name` is already there. */
  put(name: string, body: Buffer): Promise<void>;
  /** Null when there is no such object. */
  get(name: string): Promise<Buffer | null>;
  /** Every name starting with `prefix`, in no particular order. */
  list(prefix: string): Promise<string[]>;
}

export class ArchiveObjectExistsError extends Error {
  constructor(name: string, location: string) {
    super(`${name} already exists in ${location}: another archive run wrote it`);
  }
}

/**
 * A directory: each file is written to a temporary name beside it, synced, then hard-linked into place
 * (a link, unlike a rename, fails when the name exists).
 */
export function directoryArchiveStore(dir: string): ArchiveStore {
  const root = path.resolve(dir);
  const fileOf = (name: string) => {
    const file = path.resolve(root, name);
    if (!file.startsWith(root + path.sep)) throw new Error(`archive name outside the directory: ${name}`);
    return file;
  };

  async function walk(relative: string, out: string[]): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(root, relative), { withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const entry of entries) {
      const name = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(name, out);
      else if (!entry.name.includes('.tmp-')) out.push(name);
    }
  }

  return {
    location: root,
    async put(name, body) {
      const file = fileOf(name);
      await fs.mkdir(path.dirname(file), { recursive: true });
      const temporary = `${file}.tmp-${randomBytes(6).toString('hex')}`;
      const handle = await fs.open(temporary, 'wx');
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await fs.link(temporary, file);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST')
          throw new ArchiveObjectExistsError(name, root);
        throw error;
      } finally {
        await fs.rm(temporary, { force: true });
      }
    },
    async get(name) {
      try {
        return await fs.readFile(fileOf(name));
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw error;
      }
    },
    async list(prefix) {
      const slash = prefix.lastIndexOf('/');
      const names: string[] = [];
      await walk(slash < 0 ? '' : prefix.slice(0, slash), names);
      return names.filter((name) => name.startsWith(prefix));
    },
  };
}
