import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, DIALECTS } from '../../test/helpers/database.js';
import { openDatabase, type DatabaseHandle } from './database.js';
import { migrateToLatest } from './migrate.js';
import { reusableQuery } from './reusable-query.js';

describe.each(DIALECTS)('reusableQuery on %s', (dialect) => {
  let handle: DatabaseHandle;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const created = await createTestDatabase(dialect);
    drop = created.drop;
    handle = openDatabase(created.database);
    await migrateToLatest(handle.db);
    const now = new Date().toISOString();
    const product = (id: string, name: string, code: string) => ({
      id,
      name,
      code,
      features: '[]',
      metadata: '{}',
      created_at: now,
      updated_at: now,
    });
    await handle.db
      .insertInto('products')
      .values([product('prd_a', 'Alpha', 'A'), product('prd_b', 'Beta', 'B'), product('prd_c', 'Beta', 'C')])
      .execute();
  });
  afterAll(async () => {
    await handle.destroy();
    await drop();
  });

  it('binds each call its own values, in any order, and keeps the constants it was built with', async () => {
    const byNameAndCode = reusableQuery(handle.db, 2, (code: string, name: string) =>
      handle.db
        .selectFrom('products')
        .select(['id'])
        .where('name', '=', name)
        .where('code', '=', code)
        .where('id', '!=', 'prd_none'),
    );
    expect(await byNameAndCode('A', 'Alpha')).toEqual({ id: 'prd_a' });
    expect(await byNameAndCode('C', 'Beta')).toEqual({ id: 'prd_c' });
    expect(await byNameAndCode('A', 'Beta')).toBeUndefined();
  });

  it('refuses a query that does not use every placeholder', () => {
    expect(() =>
      reusableQuery(handle.db, 2, (code: string, _unused: string) =>
        handle.db.selectFrom('products').select(['id']).where('code', '=', code),
      ),
    ).toThrow(/every placeholder/);
  });
});
