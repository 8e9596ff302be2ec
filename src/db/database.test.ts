import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type DatabaseHandle } from './database.js';

describe('SQLite transactions beside another connection (the log writer thread, a command)', () => {
  let dir: string;
  let handle: DatabaseHandle | undefined;
  let other: SqliteDatabase.Database | undefined;
  afterEach(async () => {
    other?.close();
    await handle?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a transaction that read first can still write after the other connection tried to', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'km-db-'));
    const file = path.join(dir, 'km.db');
    handle = openDatabase({ kind: 'sqlite', file });
    await sql`create table seats (n integer)`.execute(handle.db);
    other = new SqliteDatabase(file);
    other.pragma('busy_timeout = 0');
    const elsewhere = other;

    let otherWrite: unknown = null;
    await handle.db.transaction().execute(async (tx) => {
      await sql`select count(*) from seats`.execute(tx);
      // Had the transaction only read so far, this commit would leave it unable to write (a stale
      // snapshot, refused at once whatever busy_timeout says).
      try {
        elsewhere.prepare('insert into seats values (1)').run();
      } catch (error) {
        otherWrite = (error as { code?: string }).code;
      }
      await sql`insert into seats values (2)`.execute(tx);
    });

    expect(otherWrite).toBe('SQLITE_BUSY');
    const { rows } = await sql<{ n: number }>`select n from seats`.execute(handle.db);
    expect(rows).toEqual([{ n: 2 }]);
  });
});
