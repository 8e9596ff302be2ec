import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { keyWithRole, signIn } from '../helpers/access.js';
import { API_KEY_CACHE_TTL_MS } from '../../src/access/api-key.service.js';

describe.each(DIALECTS)('API keys on %s', (dialect) => {
  let t: TestContext;
  beforeAll(async () => {
    t = await createTestApp(dialect);
  });
  afterAll(() => t.close());

  const create = (payload: Record<string, unknown>, key?: string) =>
    t.request({ method: 'POST', url: '/api/v1/api-keys', payload, ...(key ? { key } : {}) });

  it('shows the secret once, then only the masked form; the key works until revoked', async () => {
    const response = await create({ name: 'sdk', scope: 'licenses', environment: 'test' });
    expect(response.statusCode).toBe(201);
    const created = response.json();
    expect(created.secret).toMatch(/^km_test_[0-9A-Za-z]{32}$/);
    expect(created).toMatchObject({ name: 'sdk', scope: 'licenses', role: null, environment: 'test' });
    expect(created.masked).toBe(`km_test_${created.secret.slice(8, 11)}...${created.secret.slice(-3)}`);
    expect(created).not.toHaveProperty('key_hash');

    const got = await t.request({ method: 'GET', url: `/api/v1/api-keys/${created.id}` });
    const list = await t.request({ method: 'GET', url: '/api/v1/api-keys' });
    for (const body of [got.body, list.body]) {
      expect(body).not.toContain(created.secret);
      expect(body).not.toContain(created.secret.slice(8));
      expect(body).not.toContain('key_hash');
      expect(body).not.toContain('secret');
    }
    expect(list.json().data.map((k: { id: string }) => k.id)).toContain(created.id);

    const me = (key: string) => t.request({ method: 'GET', url: '/api/v1/api-keys', key });
    const adminKey = (await create({ name: 'ops', scope: 'admin' })).json();
    expect(adminKey.role).toBe('admin');
    expect((await me(adminKey.secret)).statusCode).toBe(200);

    const revoked = await t.request({ method: 'DELETE', url: `/api/v1/api-keys/${adminKey.id}` });
    expect(revoked.statusCode).toBe(200);
    expect(revoked.json()).toMatchObject({ id: adminKey.id, revoked_at: expect.any(String) });
    expect(revoked.body).not.toContain(adminKey.secret);
    // Revoked keys are turned away by the security layer, with its generic answer.
    const after = await me(adminKey.secret);
    expect(after.statusCode).toBe(403);
    expect(after.json().error.code).toBe('ERR_FORBIDDEN');
  });

  it('stops accepting a key revoked by another server process within the cache lifetime', async () => {
    const key = (await create({ name: 'elsewhere', scope: 'admin' })).json();
    const me = () => t.request({ method: 'GET', url: '/api/v1/api-keys', key: key.secret });
    expect((await me()).statusCode).toBe(200);
    // Another process revokes it straight in the shared database: this process has not been told.
    await t.services.core.db
      .updateTable('api_keys')
      .set({ revoked_at: t.clock.now().toISOString() })
      .where('id', '=', key.id)
      .execute();
    t.clock.advance(API_KEY_CACHE_TTL_MS - 1);
    expect((await me()).statusCode).toBe(200);
    t.clock.advance(1);
    const after = await me();
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('ERR_API_KEY_REVOKED');
  });

  it('lets a creator give a key only a role it holds', async () => {
    const adminKey = await keyWithRole(t, 'admin');
    const owner = await create({ name: 'escalate', scope: 'admin', role: 'owner' }, adminKey);
    expect(owner.statusCode).toBe(403);
    expect(owner.json().error.code).toBe('ERR_INSUFFICIENT_SCOPE');
    const security = await create({ name: 'escalate', scope: 'admin', role: 'security' }, adminKey);
    expect(security.statusCode).toBe(403);
    const support = await create({ name: 'ok', scope: 'admin', role: 'support' }, adminKey);
    expect(support.statusCode).toBe(201);
    expect(support.json().role).toBe('support');
    // An admin may not revoke an owner's key either.
    const ownerKeyId = (await t.request({ method: 'GET', url: '/api/v1/api-keys?limit=200' }))
      .json()
      .data.find((k: { role: string | null }) => k.role === 'owner').id;
    const revoke = await t.request({
      method: 'DELETE',
      url: `/api/v1/api-keys/${ownerKeyId}`,
      key: adminKey,
    });
    expect(revoke.statusCode).toBe(403);
  });

  it('lets a session create a key that acts with the given role and records the creator', async () => {
    const session = await signIn(t, 'admin', '10.30.0.1');
    const response = await session.request({
      method: 'POST',
      url: '/api/v1/api-keys',
      payload: { name: 'from portal', scope: 'admin', role: 'viewer' },
    });
    expect(response.statusCode).toBe(201);
    expect(response.json().created_by).toBe(session.admin.id);
    const viewerKey = response.json().secret as string;
    const write = await create({ name: 'nope', scope: 'licenses' }, viewerKey);
    expect(write.statusCode).toBe(403);
  });

  it('expires a key at expires_at and refuses an expiry in the past', async () => {
    const past = await create({ name: 'old', scope: 'admin', expires_at: '2000-01-01T00:00:00Z' });
    expect(past.statusCode).toBe(422);
    const soon = new Date(t.clock.now().getTime() + 60_000).toISOString();
    const key = (
      await create({ name: 'short-lived', scope: 'admin', role: 'viewer', expires_at: soon })
    ).json();
    const use = () => t.request({ method: 'GET', url: '/api/v1/auth/me', key: key.secret });
    expect((await use()).statusCode).toBe(200);
    t.clock.advance(61_000);
    const expired = await use();
    expect(expired.statusCode).toBe(401);
    expect(expired.json().error.code).toBe('ERR_API_KEY_EXPIRED');
  });

  it('validates the body and refuses a role on a licence key', async () => {
    const bad = await create({ name: '', scope: 'root' });
    expect(bad.statusCode).toBe(422);
    const roleOnLicences = await create({ name: 'x', scope: 'licenses', role: 'viewer' });
    expect(roleOnLicences.statusCode).toBe(422);
    expect(roleOnLicences.json().error.details).toEqual([{ field: 'role', message: expect.any(String) }]);
    expect(
      (await t.request({ method: 'DELETE', url: '/api/v1/api-keys/key_01jzzzzzzzzzzzzzzzzzzzzzzz' }))
        .statusCode,
    ).toBe(404);
  });
});
