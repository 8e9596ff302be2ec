import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detailsOf, newActivity } from '../helpers/activity.js';
import { createAdmin, login, PASSWORD, signIn, type TestSession } from '../helpers/access.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { DIALECTS } from '../helpers/database.js';
import { countRows, createCustomer, createLicense, createProduct } from './licensing-fixtures.js';

const UA = 'Mozilla/5.0 (activity test)';

describe.each(DIALECTS)('admin activity log on %s', (dialect) => {
  let t: TestContext;
  let owner: TestSession;
  let productId: string;
  beforeAll(async () => {
    t = await createTestApp(dialect);
    owner = await signIn(t, 'owner', '203.0.113.42');
    productId = (await createProduct(t)).id;
  });
  afterAll(() => t.close());

  it('records a portal action with every field of the entry', async () => {
    const license = await createLicense(t, { product_id: productId });
    let response: LightMyRequestResponse | undefined;
    const rows = await newActivity(t, async () => {
      response = await owner.request({
        method: 'POST',
        url: `/api/v1/licenses/${license.id}/suspend`,
        payload: { reason: 'Payment failure' },
        headers: { 'user-agent': UA },
        remoteAddress: '203.0.113.42',
      });
    });
    expect(response?.statusCode).toBe(200);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row).toEqual({
      id: expect.stringMatching(/^log_[0-9a-z]{26}$/),
      timestamp: t.clock.now().toISOString(),
      admin_user: owner.admin.email,
      actor_type: 'admin',
      actor_id: owner.admin.id,
      channel: 'portal',
      action_type: 'LICENSE_SUSPENDED',
      resource_type: 'license',
      resource_id: license.id,
      resource: `License ${license.id} (XXXX-XXXX-XXXX-${license.key.slice(-4)})`,
      details: expect.anything(),
      result: 'success',
      error_code: null,
      ip: '203.0.113.42',
      session_id: expect.stringMatching(/^sess_[A-Za-z0-9_-]{8}\.\.\.$/),
      user_agent: UA,
    });
    expect(row && detailsOf(row)).toEqual({
      reason: 'Payment failure',
      changes: { status: { before: 'active', after: 'suspended' } },
    });
    expect(row?.session_id).toBe(`${owner.cookie.slice(0, 13)}...`);
  });

  it('records an API-key action with the key name as actor and channel api', async () => {
    const rows = await newActivity(t, () => createCustomer(t, { name: 'Key Corp' }));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      admin_user: 'test owner',
      actor_type: 'api_key',
      actor_id: expect.stringMatching(/^key_/),
      channel: 'api',
      action_type: 'CUSTOMER_CREATED',
      resource_type: 'customer',
      resource_id: expect.stringMatching(/^cus_/),
      session_id: null,
      result: 'success',
    });
    expect(rows[0] && detailsOf(rows[0])).toMatchObject({
      changes: { name: { before: null, after: 'Key Corp' } },
    });
  });

  it('records field-level before/after of an update, only for what changed', async () => {
    const product = await createProduct(t, { name: 'Before', code: 'diff-code' });
    const rows = await newActivity(t, () =>
      t.request({ method: 'PATCH', url: `/api/v1/products/${product.id}`, payload: { name: 'After' } }),
    );
    expect(rows.map((r) => [r.action_type, r.result])).toEqual([['PRODUCT_UPDATED', 'success']]);
    expect(rows[0] && detailsOf(rows[0])).toEqual({
      changes: { name: { before: 'Before', after: 'After' } },
    });
  });

  describe('refused and failed actions are failure entries', () => {
    it('suspending an unknown licence: ERR_NOT_FOUND', async () => {
      const rows = await newActivity(t, () =>
        t.request({ method: 'POST', url: '/api/v1/licenses/lic_nope/suspend', payload: { reason: 'x' } }),
      );
      expect(rows.map((r) => [r.action_type, r.result, r.error_code, r.resource_id])).toEqual([
        ['LICENSE_SUSPENDED', 'failure', 'ERR_NOT_FOUND', 'lic_nope'],
      ]);
      expect(rows[0] && detailsOf(rows[0])).toMatchObject({ reason: 'Licence not found.' });
    });

    it('a viewer creating a product: ERR_INSUFFICIENT_SCOPE, attributed to the viewer', async () => {
      const viewer = await signIn(t, 'viewer');
      const rows = await newActivity(t, async () => {
        const response = await viewer.request({
          method: 'POST',
          url: '/api/v1/products',
          payload: { name: 'X' },
        });
        expect(response.statusCode).toBe(403);
      });
      expect(rows.map((r) => [r.action_type, r.result, r.error_code, r.admin_user])).toEqual([
        ['PRODUCT_CREATED', 'failure', 'ERR_INSUFFICIENT_SCOPE', viewer.admin.email],
      ]);
    });

    it('a wrong password: ADMIN_LOGIN_FAILED with the email tried and nothing of the password', async () => {
      const rows = await newActivity(t, async () => {
        expect((await login(t, 'Someone@Example.test', 'wrong-password-canary')).statusCode).toBe(401);
      });
      expect(rows.map((r) => [r.action_type, r.result, r.error_code, r.admin_user, r.actor_id])).toEqual([
        ['ADMIN_LOGIN_FAILED', 'failure', 'ERR_INVALID_CREDENTIALS', 'someone@example.test', null],
      ]);
      expect(JSON.stringify(rows)).not.toContain('wrong-password-canary');
    });

    it('an invalid body: ERR_VALIDATION naming the field', async () => {
      const rows = await newActivity(t, () =>
        t.request({ method: 'POST', url: '/api/v1/products', payload: { name: 'X', colour: 'red' } }),
      );
      expect(rows.map((r) => [r.action_type, r.result, r.error_code])).toEqual([
        ['PRODUCT_CREATED', 'failure', 'ERR_VALIDATION'],
      ]);
      expect(rows[0] && detailsOf(rows[0])).toMatchObject({
        fields: [{ field: 'colour', message: 'is not an allowed field' }],
      });
    });

    it('a unique violation inside the action: one failure entry, no pending one, nothing written', async () => {
      await createProduct(t, { code: 'taken-code' });
      const before = await countRows(t, 'products');
      const rows = await newActivity(t, () =>
        t.request({ method: 'POST', url: '/api/v1/products', payload: { name: 'Y', code: 'taken-code' } }),
      );
      expect(rows.map((r) => [r.action_type, r.result, r.error_code])).toEqual([
        ['PRODUCT_CREATED', 'failure', 'ERR_CONFLICT'],
      ]);
      expect(await countRows(t, 'products')).toBe(before);
    });

    it('an action failing after its write is rolled back with its pending entry', async () => {
      const { activity, licensing } = t.services;
      const before = await countRows(t, 'products');
      const now = t.clock.now().toISOString();
      const row = {
        name: 'Half',
        code: null,
        features: '[]',
        metadata: '{}',
        created_at: now,
        updated_at: now,
      };
      const rows = await newActivity(t, async () => {
        await expect(
          activity.record(
            { actor: activityContextFor(), recorded: false },
            { action_type: 'PRODUCT_CREATED', resource_type: 'product' },
            async (tx) => {
              await licensing.products.repository.insert({ id: 'prd_half', ...row }, tx);
              await licensing.products.repository.insert({ id: 'prd_half', ...row }, tx);
            },
          ),
        ).rejects.toThrow();
      });
      expect(await countRows(t, 'products')).toBe(before);
      expect(rows.map((r) => [r.action_type, r.result, r.error_code])).toEqual([
        ['PRODUCT_CREATED', 'failure', 'ERR_INTERNAL'],
      ]);
    });
  });

  it('writes nothing while log_dashboard_activities is off; the actions still happen', async () => {
    const off = await t.request({
      method: 'PUT',
      url: '/api/v1/settings/logging',
      payload: { log_dashboard_activities: false },
    });
    expect(off.statusCode).toBe(200);
    let productIdCreated = '';
    const rows = await newActivity(t, async () => {
      productIdCreated = (await createProduct(t, { name: 'Silent' })).id;
      await t.request({ method: 'POST', url: '/api/v1/licenses/lic_nope/suspend', payload: { reason: 'x' } });
      await login(t, 'nobody@example.test', 'wrong');
      await createAdmin(t, 'viewer').then((a) => login(t, a.email, PASSWORD));
    });
    expect(rows).toEqual([]);
    expect((await t.request({ method: 'GET', url: `/api/v1/products/${productIdCreated}` })).statusCode).toBe(
      200,
    );
    const on = await newActivity(t, () =>
      t.request({
        method: 'PUT',
        url: '/api/v1/settings/logging',
        payload: { log_dashboard_activities: true },
      }),
    );
    // Turning logging back on is not itself recorded: the toggle was off when the change began.
    expect(on).toEqual([]);
    const next = await newActivity(t, () => createProduct(t));
    expect(next.map((r) => r.action_type)).toEqual(['PRODUCT_CREATED']);
  });
});

/** A context as the command line builds it, for driving the mechanism directly. */
function activityContextFor() {
  return {
    admin_user: 'test',
    actor_type: 'system' as const,
    actor_id: null,
    channel: 'cli' as const,
    ip: null,
    session_id: null,
    user_agent: null,
  };
}
