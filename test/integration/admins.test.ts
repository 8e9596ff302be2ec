import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { createAdmin, keyWithRole, PASSWORD, signIn } from '../helpers/access.js';

describe.each(DIALECTS)('admin accounts on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  const create = (payload: Record<string, unknown>, key?: string) =>
    t.request({ method: 'POST', url: '/api/v1/admins', payload, ...(key ? { key } : {}) });

  it('creates an admin with a lowercased email and never shows the password or its hash', async () => {
    const response = await create({
      email: 'New.Admin@Example.TEST',
      password: PASSWORD,
      role: 'support',
      name: 'N',
    });
    expect(response.statusCode).toBe(201);
    const admin = response.json();
    expect(admin).toMatchObject({
      email: 'new.admin@example.test',
      role: 'support',
      name: 'N',
      last_login_at: null,
    });
    expect(admin.id).toMatch(/^adm_/);
    for (const body of [
      response.body,
      (await t.request({ method: 'GET', url: `/api/v1/admins/${admin.id}` })).body,
      (await t.request({ method: 'GET', url: '/api/v1/admins' })).body,
    ]) {
      expect(body).not.toContain(PASSWORD);
      expect(body).not.toContain('argon2');
      expect(body).not.toContain('password');
    }
    const stored = await t.services.admins.repository.findByEmailWithHash('new.admin@example.test');
    expect(stored?.password_hash).toMatch(/^\$argon2id\$/);
  });

  it('refuses a duplicate email, whatever its case, with 409', async () => {
    await create({ email: 'dup@example.test', password: PASSWORD, role: 'viewer' });
    const again = await create({ email: 'DUP@example.test', password: PASSWORD, role: 'viewer' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('ERR_CONFLICT');
  });

  it('refuses passwords shorter than 12 or longer than 1024 characters, without echoing them', async () => {
    const short = await create({ email: 'short@example.test', password: 'elevenchars', role: 'viewer' });
    expect(short.statusCode).toBe(422);
    expect(short.json().error.details).toEqual([
      { field: 'password', message: 'must be at least 12 characters' },
    ]);
    expect(short.body).not.toContain('elevenchars');
    const long = await create({ email: 'long@example.test', password: 'x'.repeat(1025), role: 'viewer' });
    expect(long.statusCode).toBe(422);
    expect(
      (await create({ email: 'ok12@example.test', password: 'x'.repeat(12), role: 'viewer' })).statusCode,
    ).toBe(201);
  });

  it('rejects unknown fields and roles with 422', async () => {
    const response = await create({ email: 'f@example.test', password: PASSWORD, role: 'god', extra: 1 });
    expect(response.statusCode).toBe(422);
    const fields = response.json().error.details.map((d: { field: string }) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['extra', 'role']));
  });

  it('lets a role grant only roles it holds', async () => {
    // Only owners hold admins:write by default; an admin key lacks it, so grants are checked for owners
    // and through the service for roles that could hold it.
    const adminKey = await keyWithRole(t, 'admin');
    const denied = await create({ email: 'x1@example.test', password: PASSWORD, role: 'viewer' }, adminKey);
    expect(denied.statusCode).toBe(403);
    await expect(
      t.services.admins.create({ email: 'x2@example.test', password: PASSWORD, role: 'owner' }, 'admin'),
    ).rejects.toMatchObject({ code: 'ERR_INSUFFICIENT_SCOPE' });
    await expect(
      t.services.admins.create({ email: 'x3@example.test', password: PASSWORD, role: 'security' }, 'admin'),
    ).rejects.toMatchObject({ code: 'ERR_INSUFFICIENT_SCOPE' });
    const support = await t.services.admins.create(
      { email: 'x4@example.test', password: PASSWORD, role: 'support' },
      'admin',
    );
    expect(support.role).toBe('support');
    await expect(t.services.admins.update(support.id, { role: 'owner' }, 'admin')).rejects.toMatchObject({
      code: 'ERR_INSUFFICIENT_SCOPE',
    });
  });

  it('updates role and name, and 404s an unknown id', async () => {
    const admin = await createAdmin(t, 'viewer');
    const response = await t.request({
      method: 'PATCH',
      url: `/api/v1/admins/${admin.id}`,
      payload: { role: 'support', name: 'Sam' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ role: 'support', name: 'Sam' });
    const missing = await t.request({ method: 'GET', url: '/api/v1/admins/adm_01jzzzzzzzzzzzzzzzzzzzzzzz' });
    expect(missing.statusCode).toBe(404);
  });

  it('protects the last owner from demotion and deletion, but not the second-to-last', async () => {
    const owner = await createAdmin(t, 'owner');
    const owners = await t.services.core.db
      .selectFrom('admins')
      .select('id')
      .where('role', '=', 'owner')
      .execute();
    expect(owners).toHaveLength(1);

    const demote = await t.request({
      method: 'PATCH',
      url: `/api/v1/admins/${owner.id}`,
      payload: { role: 'admin' },
    });
    expect(demote.statusCode).toBe(409);
    const remove = await t.request({ method: 'DELETE', url: `/api/v1/admins/${owner.id}` });
    expect(remove.statusCode).toBe(409);

    const second = await createAdmin(t, 'owner');
    const removed = await t.request({ method: 'DELETE', url: `/api/v1/admins/${owner.id}` });
    expect(removed.statusCode).toBe(200);
    expect(removed.json().id).toBe(owner.id);
    expect((await t.request({ method: 'GET', url: `/api/v1/admins/${owner.id}` })).statusCode).toBe(404);
    const last = await t.request({ method: 'DELETE', url: `/api/v1/admins/${second.id}` });
    expect(last.statusCode).toBe(409);
  });

  it('never lets two parallel demotions of the last two owners leave none', async () => {
    const owners = async () =>
      t.services.core.db.selectFrom('admins').select('id').where('role', '=', 'owner').execute();
    for (const { id } of await owners())
      await t.services.core.db.deleteFrom('admins').where('id', '=', id).execute();
    const [a, b] = [await createAdmin(t, 'owner'), await createAdmin(t, 'owner')];
    const demote = (id: string) =>
      t.request({ method: 'PATCH', url: `/api/v1/admins/${id}`, payload: { role: 'admin' } });
    const statuses = (await Promise.all([demote(a.id), demote(b.id)])).map((r) => r.statusCode).sort();
    expect(statuses).toEqual([200, 409]);
    expect(await owners()).toHaveLength(1);
  });

  it('lists admins newest first with a cursor', async () => {
    for (let i = 0; i < 3; i++) await createAdmin(t, 'viewer');
    const page1 = (await t.request({ method: 'GET', url: '/api/v1/admins?limit=2' })).json();
    expect(page1.data).toHaveLength(2);
    expect(page1.next_cursor).toEqual(expect.any(String));
    const page2 = (
      await t.request({ method: 'GET', url: `/api/v1/admins?limit=2&cursor=${page1.next_cursor}` })
    ).json();
    expect(page2.data[0].id < page1.data[1].id).toBe(true);
  });

  it('ends the sessions of a deleted admin and applies a demotion at once', async () => {
    const session = await signIn(t, 'support', '10.20.0.1');
    const demoted = await t.request({
      method: 'PATCH',
      url: `/api/v1/admins/${session.admin.id}`,
      payload: { role: 'viewer' },
    });
    expect(demoted.statusCode).toBe(200);
    expect((await session.request({ method: 'GET', url: '/api/v1/auth/me' })).json().role).toBe('viewer');
    await t.request({ method: 'DELETE', url: `/api/v1/admins/${session.admin.id}` });
    expect((await session.request({ method: 'GET', url: '/api/v1/auth/me' })).statusCode).toBe(401);
  });

  it('sets the session cookie without Secure unless configured (plain-HTTP local installs)', async () => {
    const session = await signIn(t, 'viewer', '10.21.0.1');
    const response = await session.request({ method: 'GET', url: '/api/v1/auth/me' });
    expect(response.statusCode).toBe(200);
    const again = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: session.admin.email, password: PASSWORD },
      remoteAddress: '10.21.0.2',
    });
    const cookie = again.cookies.find((c) => c.name === 'km_session');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.secure).toBeUndefined();
  });

  it('shows an admin key its own profile on /auth/me', async () => {
    const me = await t.request({ method: 'GET', url: '/api/v1/auth/me' });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ type: 'api_key', role: 'owner', email: null, session: null });
    expect(me.json().permissions).toContain('logs:read');
    const patch = await t.request({ method: 'PATCH', url: '/api/v1/auth/me', payload: { name: 'x' } });
    expect(patch.statusCode).toBe(403);
  });
});
