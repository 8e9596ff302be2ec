import { afterEach, describe, expect, it } from 'vitest';
import { ensureOwner } from '../../src/access/first-owner.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { login } from '../helpers/access.js';

describe.each(DIALECTS)('first start on %s', (dialect) => {
  let t: TestContext;
  afterEach(() => t.close());

  it('creates an owner with a generated password, printed once, that signs in', async () => {
    t = await createTestApp(dialect);
    const lines: string[] = [];
    const owner = await ensureOwner(t.services.admins, { email: undefined, password: undefined }, (l) =>
      lines.push(l),
    );
    expect(owner).toMatchObject({ email: 'admin@localhost', role: 'owner' });
    expect(lines).toHaveLength(1);
    const match = /^owner created: admin@localhost \/ password: (\S+)\n$/.exec(lines[0] ?? '');
    expect(match).not.toBeNull();
    const password = match?.[1] ?? '';
    expect(password.length).toBeGreaterThanOrEqual(20);
    expect((await login(t, 'admin@localhost', password)).statusCode).toBe(200);

    // Later starts leave the accounts alone and print nothing.
    expect(
      await ensureOwner(t.services.admins, { email: 'x@example.test', password: undefined }, (l) =>
        lines.push(l),
      ),
    ).toBeNull();
    expect(lines).toHaveLength(1);
    expect(await t.services.admins.count()).toBe(1);
  });

  it('uses KM_ADMIN_EMAIL and KM_ADMIN_PASSWORD when given, without printing the password', async () => {
    t = await createTestApp(dialect);
    const lines: string[] = [];
    const password = 'configured password 123';
    await ensureOwner(
      t.services.admins,
      { email: 'Boss@Example.test', password },
      (l) => lines.push(l),
      t.services.activity,
    );
    expect(lines).toEqual(['owner created: boss@example.test\n']);
    const created = await t.services.activity.repository.list({ action_type: 'ADMIN_CREATED' });
    expect(created.map((r) => [r.actor_type, r.admin_user, r.result, r.resource])).toEqual([
      ['system', 'startup', 'success', expect.stringContaining('boss@example.test')],
    ]);
    expect(JSON.stringify(created)).not.toContain(password);
    expect((await login(t, 'boss@example.test', password)).statusCode).toBe(200);
  });

  it('creates one owner when several processes start together on a new database', async () => {
    t = await createTestApp(dialect);
    const lines: string[] = [];
    const starts = await Promise.all(
      [1, 2, 3].map(() =>
        ensureOwner(
          t.services.admins,
          { email: 'first@example.test', password: 'configured password 123' },
          (l) => lines.push(l),
          t.services.activity,
        ),
      ),
    );
    expect(starts.filter((owner) => owner !== null)).toHaveLength(1);
    expect(lines).toEqual(['owner created: first@example.test\n']);
    expect(await t.services.admins.count()).toBe(1);
  });

  it('fails fast when the configured password is too short', async () => {
    t = await createTestApp(dialect);
    await expect(
      ensureOwner(t.services.admins, { email: 'a@example.test', password: 'short' }, () => {}),
    ).rejects.toMatchObject({ code: 'ERR_VALIDATION' });
    expect(await t.services.admins.count()).toBe(0);
  });
});
