import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifySignature } from '../../src/shared/hmac-signature.js';
import { createTestApp, type TestContext } from '../helpers/app.js';
import { activityRows, detailsOf, newActivity } from '../helpers/activity.js';
import { DIALECTS } from '../helpers/database.js';
import { startHttpReceiver, type HttpReceiver } from '../helpers/http-receiver.js';
import { createCustomer, createLicense, createProduct } from './licensing-fixtures.js';

interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  state: string;
  attempts: number;
  response_status: number | null;
  response_time_ms: number | null;
  error: string | null;
  next_retry_at: string | null;
  delivered_at: string | null;
  attempt_history: { attempt: number; response_status: number | null; response_time_ms: number }[];
}

describe.each(DIALECTS)('event webhooks on %s', (dialect) => {
  let t: TestContext;
  let receiver: HttpReceiver;

  beforeAll(async () => {
    t = await createTestApp(dialect, (config) => {
      config.events.maxAttempts = 3;
    });
  });
  afterAll(() => t.close());
  afterEach(async () => {
    // Each test's endpoints go, so the next test's events reach only its own receiver.
    const list = (await t.request({ method: 'GET', url: '/api/v1/webhooks?limit=200' })).json();
    for (const endpoint of list.data) {
      await t.request({ method: 'DELETE', url: `/api/v1/webhooks/${endpoint.id}` });
    }
    await receiver?.close();
  });

  async function createEndpoint(body: Record<string, unknown> = {}) {
    receiver = await startHttpReceiver();
    const response = await t.request({
      method: 'POST',
      url: '/api/v1/webhooks',
      payload: {
        url: `${receiver.url}/hooks?token=abc`,
        events: ['license.created', 'customer.created'],
        ...body,
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ id: string; secret: string; secret_masked: string }>();
  }

  async function deliveries(endpointId: string): Promise<Delivery[]> {
    const response = await t.request({ method: 'GET', url: `/api/v1/webhooks/${endpointId}/deliveries` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<{ data: Delivery[] }>().data;
  }

  it('shows the signing secret once, masked afterwards, and never in the activity log', async () => {
    const created = await createEndpoint({ description: 'ERP sync' });
    expect(created.secret).toMatch(/^whsec_[0-9A-Za-z]{32}$/);
    expect(created.secret_masked).toBe(`whsec_...${created.secret.slice(-4)}`);
    const shown = [
      (await t.request({ method: 'GET', url: `/api/v1/webhooks/${created.id}` })).body,
      (await t.request({ method: 'GET', url: '/api/v1/webhooks' })).body,
      (
        await t.request({
          method: 'PATCH',
          url: `/api/v1/webhooks/${created.id}`,
          payload: { enabled: true },
        })
      ).body,
    ];
    for (const body of shown) {
      expect(body).toContain(created.secret_masked);
      expect(body).not.toContain(created.secret);
    }
    const rotated = await t.request({ method: 'POST', url: `/api/v1/webhooks/${created.id}/rotate-secret` });
    expect(rotated.statusCode).toBe(200);
    const newSecret = rotated.json<{ secret: string }>().secret;
    expect(newSecret).not.toBe(created.secret);
    const everything = JSON.stringify(await activityRows(t));
    expect(everything).not.toContain(created.secret);
    expect(everything).not.toContain(newSecret);
    const actions = (await activityRows(t)).filter((row) => row.resource_id === created.id);
    expect(detailsOf(actions.at(-1)!)).toEqual({
      signing_key: { before: created.secret_masked, after: `whsec_...${newSecret.slice(-4)}` },
    });
    expect(actions.map((row) => row.action_type)).toEqual([
      'WEBHOOK_ENDPOINT_CREATED',
      'WEBHOOK_ENDPOINT_UPDATED',
      'WEBHOOK_SECRET_ROTATED',
    ]);
    expect(detailsOf(actions[0]!)).toMatchObject({
      changes: { description: { before: null, after: 'ERP sync' } },
    });
  });

  it('delivers signed events in order, with the licence key masked', async () => {
    const endpoint = await createEndpoint();
    const product = await createProduct(t);
    const customer = await createCustomer(t, { name: 'Initech' });
    const license = await createLicense(t, { product_id: product.id, customer_id: customer.id });
    await t.services.webhooks.job.runOnce();

    expect(receiver.received).toHaveLength(2);
    const bodies = receiver.received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.type)).toEqual(['customer.created', 'license.created']);
    for (const request of receiver.received) {
      expect(request.path).toBe('/hooks?token=abc');
      expect(request.headers['content-type']).toBe('application/json');
      const valid = verifySignature(
        endpoint.secret,
        request.body,
        request.headers['keymanager-signature'] as string,
        request.headers['keymanager-timestamp'] as string,
        t.clock.now(),
      );
      expect(valid).toBe(true);
      // A body changed on the way no longer verifies.
      expect(
        verifySignature(
          endpoint.secret,
          `${request.body} `,
          request.headers['keymanager-signature'] as string,
          request.headers['keymanager-timestamp'] as string,
          t.clock.now(),
        ),
      ).toBe(false);
    }
    const created = bodies[1];
    expect(created).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      type: 'license.created',
      created_at: t.clock.now().toISOString(),
      data: {
        license: {
          id: license.id,
          customer_id: customer.id,
          key_masked: `XXXX-XXXX-XXXX-${license.key.slice(-4)}`,
        },
      },
    });
    expect(receiver.received[1]!.headers['keymanager-event-id']).toBe(created.id);
    expect(receiver.received[1]!.body).not.toContain(license.key);

    const history = await deliveries(endpoint.id);
    expect(history.map((d) => [d.event_type, d.state, d.attempts, d.response_status])).toEqual([
      ['license.created', 'delivered', 1, 200],
      ['customer.created', 'delivered', 1, 200],
    ]);
    // Delivered once: the next run sends nothing again.
    await t.services.webhooks.job.runOnce();
    expect(receiver.received).toHaveLength(2);
  });

  it('retries a failing receiver with backoff, records each attempt and logs the calls as outgoing', async () => {
    const endpoint = await createEndpoint({ events: ['customer.created'] });
    receiver.respondWith(500);
    const customer = await createCustomer(t);
    await t.services.webhooks.job.runOnce();
    let [delivery] = await deliveries(endpoint.id);
    expect(delivery).toMatchObject({ state: 'pending', attempts: 1, response_status: 500 });
    expect(delivery!.error).toBe('The receiver answered HTTP 500.');
    const retryAt = new Date(delivery!.next_retry_at!).getTime();
    // First retry: within the first backoff step (10 s, full jitter).
    expect(retryAt - t.clock.now().getTime()).toBeLessThanOrEqual(10_000);

    if (retryAt > t.clock.now().getTime()) {
      t.clock.set(new Date(retryAt - 1));
      await t.services.webhooks.job.runOnce();
      expect(receiver.received).toHaveLength(1);
    }
    t.clock.set(new Date(retryAt));
    await t.services.webhooks.job.runOnce();
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[0]!.body).toBe(receiver.received[1]!.body);
    [delivery] = await deliveries(endpoint.id);
    expect(delivery).toMatchObject({
      state: 'delivered',
      attempts: 2,
      response_status: 200,
      next_retry_at: null,
    });
    expect(delivery!.delivered_at).toBe(new Date(retryAt).toISOString());
    expect(delivery!.attempt_history.map((a) => [a.attempt, a.response_status])).toEqual([
      [1, 500],
      [2, 200],
    ]);

    await t.services.requestLogs.flush();
    const calls = (await t.request({ method: 'GET', url: '/api/v1/logs/api-calls?limit=200' })).json();
    const outgoing = calls.data.filter(
      (e: { direction: string; customer_id: string | null }) => e.direction === 'outgoing',
    );
    const mine = outgoing.filter((e: { endpoint: string }) => e.endpoint === `${receiver.url}/hooks`);
    expect(mine.map((e: { status: number; method: string }) => [e.method, e.status])).toEqual([
      ['POST', 200],
      ['POST', 500],
    ]);
    for (const entry of mine) expect(typeof entry.response_time_ms).toBe('number');
    expect(JSON.stringify(mine)).not.toContain('token=abc');
    const failed = (
      await t.request({ method: 'GET', url: '/api/v1/logs/failed-api-calls?limit=200' })
    ).json();
    const failure = failed.data.find(
      (e: { endpoint: string; direction: string }) => e.endpoint === `${receiver.url}/hooks`,
    );
    expect(failure).toMatchObject({ status: 500, direction: 'outgoing', error_code: 'WEBHOOK_HTTP_ERROR' });
    expect(customer.id).toMatch(/^cus_/);
  });

  it('gives up after the configured attempts and sends a failed delivery again on request', async () => {
    const endpoint = await createEndpoint({ events: ['customer.created'] });
    receiver.respondWith(503, 503, 503);
    await createCustomer(t);
    for (let i = 0; i < 3; i++) {
      await t.services.webhooks.job.runOnce();
      t.clock.advance(3_600_000);
    }
    let [delivery] = await deliveries(endpoint.id);
    expect(delivery).toMatchObject({ state: 'failed', attempts: 3, next_retry_at: null });
    await t.services.webhooks.job.runOnce();
    expect(receiver.received).toHaveLength(3);

    const again = await t.request({
      method: 'POST',
      url: `/api/v1/webhooks/${endpoint.id}/deliveries/${delivery!.id}/redeliver`,
    });
    expect(again.statusCode, again.body).toBe(202);
    expect(again.json()).toMatchObject({ state: 'pending', event_id: delivery!.event_id });
    await t.services.webhooks.job.runOnce();
    [delivery] = await deliveries(endpoint.id);
    expect(delivery).toMatchObject({ state: 'delivered', event_id: again.json().event_id });
    expect(JSON.parse(receiver.received[3]!.body).id).toBe(JSON.parse(receiver.received[0]!.body).id);
    // Only a failed delivery is sent again.
    const refused = await t.request({
      method: 'POST',
      url: `/api/v1/webhooks/${endpoint.id}/deliveries/${delivery!.id}/redeliver`,
    });
    expect(refused.statusCode).toBe(409);
  });

  it('sends a signed test event when asked, and reports what the receiver answered', async () => {
    const endpoint = await createEndpoint();
    const response = await t.request({ method: 'POST', url: `/api/v1/webhooks/${endpoint.id}/test` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({
      event_type: 'webhook.test',
      state: 'delivered',
      response_status: 200,
    });
    expect(receiver.received).toHaveLength(1);
    const request = receiver.received[0]!;
    expect(JSON.parse(request.body)).toMatchObject({
      type: 'webhook.test',
      data: { endpoint_id: endpoint.id },
    });
    expect(
      verifySignature(
        endpoint.secret,
        request.body,
        request.headers['keymanager-signature'] as string,
        request.headers['keymanager-timestamp'] as string,
        t.clock.now(),
      ),
    ).toBe(true);

    receiver.respondWith(404);
    const failing = await t.request({ method: 'POST', url: `/api/v1/webhooks/${endpoint.id}/test` });
    expect(failing.json()).toMatchObject({ state: 'failed', response_status: 404, attempts: 1 });
    const missing = await t.request({
      method: 'POST',
      url: '/api/v1/webhooks/whk_01jzzzzzzzzzzzzzzzzzzzzzzz/test',
    });
    expect(missing.statusCode).toBe(404);
  });

  it('records a receiver that cannot be reached, as 502 in the failed-call log', async () => {
    const endpoint = await createEndpoint();
    await receiver.close();
    const response = await t.request({ method: 'POST', url: `/api/v1/webhooks/${endpoint.id}/test` });
    expect(response.json()).toMatchObject({
      state: 'failed',
      response_status: null,
      error: 'The receiver could not be reached (ECONNREFUSED).',
    });
    await t.services.requestLogs.flush();
    const failed = (
      await t.request({ method: 'GET', url: '/api/v1/logs/failed-api-calls?limit=200' })
    ).json();
    expect(
      failed.data.find((e: { endpoint: string }) => e.endpoint === `${receiver.url}/hooks`),
    ).toMatchObject({ status: 502, direction: 'outgoing', error_code: 'WEBHOOK_UNREACHABLE' });
  });

  it('emits nothing when the change fails or its transaction rolls back', async () => {
    const endpoint = await createEndpoint({ events: ['license.suspended', 'customer.created'] });
    const product = await createProduct(t);
    const license = await createLicense(t, { product_id: product.id });
    const events = async () =>
      (await t.services.core.db.selectFrom('domain_events').select('id').execute()).length;
    const before = await events();
    expect(
      (
        await t.request({
          method: 'POST',
          url: `/api/v1/licenses/${license.id}/revoke`,
          payload: { reason: 'x' },
        })
      ).statusCode,
    ).toBe(200);
    const afterRevoke = await events();
    expect(afterRevoke).toBe(before + 1);
    const refused = await t.request({
      method: 'POST',
      url: `/api/v1/licenses/${license.id}/suspend`,
      payload: { reason: 'late' },
    });
    expect(refused.statusCode).toBe(409);
    await expect(
      t.services.core.db.transaction().execute(async (tx) => {
        await t.services.licensing.customers.create({ name: 'Never' }, tx);
        throw new Error('a later step failed');
      }),
    ).rejects.toThrow('a later step failed');
    expect(await events()).toBe(afterRevoke);
    await t.services.webhooks.job.runOnce();
    expect(receiver.received).toHaveLength(0);
    expect(await deliveries(endpoint.id)).toEqual([]);
  });

  it('emits license.expiring and license.expired once per licence and expiry date', async () => {
    const endpoint = await createEndpoint({ events: ['license.expiring', 'license.expired'] });
    const product = await createProduct(t);
    const now = t.clock.now().getTime();
    const license = await createLicense(t, {
      product_id: product.id,
      expires_at: new Date(now + 3 * 86_400_000).toISOString(),
    });
    await createLicense(t, {
      product_id: product.id,
      expires_at: new Date(now + 60 * 86_400_000).toISOString(),
    });
    await t.services.webhooks.job.runOnce({ scan: true });
    await t.services.webhooks.job.runOnce({ scan: true });
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(['license.expiring']);
    expect(JSON.parse(receiver.received[0]!.body).data).toMatchObject({
      license: { id: license.id },
      days_left: 3,
    });

    t.clock.advance(4 * 86_400_000);
    await t.services.webhooks.job.runOnce({ scan: true });
    await t.services.webhooks.job.runOnce({ scan: true });
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual([
      'license.expiring',
      'license.expired',
    ]);
    expect(JSON.parse(receiver.received[1]!.body).data.license).toMatchObject({
      id: license.id,
      status: 'expired',
    });
    expect((await deliveries(endpoint.id)).every((d) => d.state === 'delivered')).toBe(true);
  });

  it('tells of new activations and deactivations from the licence API, never with the key', async () => {
    await createEndpoint({ events: ['license.activated', 'license.deactivated'] });
    const product = await createProduct(t);
    const license = await createLicense(t, { product_id: product.id, max_activations: 2 });
    const call = (action: string) =>
      t.request({
        method: 'POST',
        url: `/api/v1/licenses/${action}`,
        payload: { license_key: license.key, fingerprint: 'machine-1' },
      });
    expect((await call('activate')).statusCode).toBe(200);
    // The same machine checking in again is no new activation.
    expect((await call('activate')).statusCode).toBe(200);
    expect((await call('deactivate')).statusCode).toBe(200);
    // Nothing to deactivate: no event.
    expect((await call('deactivate')).statusCode).toBe(404);
    await t.services.webhooks.job.runOnce();
    const bodies = receiver.received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => [b.type, b.data.license.id, b.data.activation.fingerprint])).toEqual([
      ['license.activated', license.id, 'machine-1'],
      ['license.deactivated', license.id, 'machine-1'],
    ]);
    for (const request of receiver.received) expect(request.body).not.toContain(license.key);
  });

  it('lets only one process take a delivery at a time', async () => {
    const endpoint = await createEndpoint({ events: ['customer.created'] });
    await createCustomer(t);
    const now = t.clock.now();
    const lease = new Date(now.getTime() + 30_000).toISOString();
    const claims = await Promise.all(
      [0, 1, 2].map(() => t.services.webhooks.repository.claimDue(now.toISOString(), lease, 10)),
    );
    const claimed = claims.flat().filter((d) => d.endpoint_id === endpoint.id);
    expect(claimed).toHaveLength(1);
    // Leased: a later run before the lease ends leaves it alone.
    await t.services.webhooks.job.runOnce();
    expect(receiver.received).toHaveLength(0);
    t.clock.set(new Date(now.getTime() + 30_001));
    await t.services.webhooks.job.runOnce();
    expect(receiver.received).toHaveLength(1);
  });

  it('refuses bad endpoints with 422 and creates nothing', async () => {
    receiver = await startHttpReceiver();
    const types = (await t.request({ method: 'GET', url: '/api/v1/webhooks/event-types' })).json().data;
    expect(types).toContain('license.expiring');
    expect(types).not.toContain('webhook.test');
    const count = async () =>
      (await t.request({ method: 'GET', url: '/api/v1/webhooks' })).json().data.length;
    const before = await count();
    const bad: Record<string, unknown>[] = [
      { url: 'ftp://example.com/hook', events: ['license.created'] },
      { url: 'not a url', events: ['license.created'] },
      { url: 'https://user:pass@example.com/hook', events: ['license.created'] },
      { url: 'https://example.com/hook', events: [] },
      { url: 'https://example.com/hook', events: ['license.exploded'] },
      { url: 'https://example.com/hook', events: ['webhook.test'] },
      { url: 'https://example.com/hook', events: ['license.created', 'license.created'] },
      { url: 'https://example.com/hook', events: ['license.created'], secret: 'mine' },
      { url: 'https://example.com/hook', events: ['license.created'], description: 'x'.repeat(501) },
      { events: ['license.created'] },
    ];
    for (const payload of bad) {
      const response = await t.request({ method: 'POST', url: '/api/v1/webhooks', payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(422);
      expect(response.json().error.code).toBe('ERR_VALIDATION');
      expect(response.body).not.toContain('pass@');
    }
    expect(await count()).toBe(before);
    // The refused body in the failed-call log keeps no password from the URL.
    await t.services.requestLogs.flush();
    const failedLog = (await t.request({ method: 'GET', url: '/api/v1/logs/failed-api-calls?limit=200' }))
      .body;
    expect(failedLog).toContain('https://[REDACTED]@example.com/hook');
    expect(failedLog).not.toContain('user:pass');
    const endpoint = await createEndpoint();
    for (const payload of [{}, { url: 'gopher://x' }, { events: ['nope'] }, { enabled: 'yes' }]) {
      const response = await t.request({ method: 'PATCH', url: `/api/v1/webhooks/${endpoint.id}`, payload });
      expect(response.statusCode, JSON.stringify(payload)).toBe(422);
    }
    const unchanged = (await t.request({ method: 'GET', url: `/api/v1/webhooks/${endpoint.id}` })).json();
    expect(unchanged.url).toBe(`${receiver.url}/hooks?token=abc`);
    const bogusCursor = await t.request({
      method: 'GET',
      url: `/api/v1/webhooks/${endpoint.id}/deliveries?cursor=nonsense`,
    });
    expect(bogusCursor.statusCode).toBe(422);
  });

  it("holds a disabled endpoint's queued deliveries until it is enabled again", async () => {
    const endpoint = await createEndpoint({ events: ['customer.created'] });
    await createCustomer(t, { name: 'First' });
    const patch = (enabled: boolean) =>
      t.request({ method: 'PATCH', url: `/api/v1/webhooks/${endpoint.id}`, payload: { enabled } });
    expect((await patch(false)).json().enabled).toBe(false);
    await createCustomer(t, { name: 'Second' });
    await t.services.webhooks.job.runOnce();
    expect(receiver.received).toHaveLength(0);
    await patch(true);
    await t.services.webhooks.job.runOnce();
    // Queued before it was disabled: delivered now; the change made while disabled reached nobody.
    expect(receiver.received.map((r) => JSON.parse(r.body).data.customer.name)).toEqual(['First']);
  });

  it('records endpoint deletion in the activity log', async () => {
    const endpoint = await createEndpoint();
    const rows = await newActivity(t, () =>
      t.request({ method: 'DELETE', url: `/api/v1/webhooks/${endpoint.id}` }),
    );
    expect(rows.map((r) => [r.action_type, r.resource_type, r.resource_id])).toEqual([
      ['WEBHOOK_ENDPOINT_DELETED', 'webhook_endpoint', endpoint.id],
    ]);
    expect((await t.request({ method: 'GET', url: `/api/v1/webhooks/${endpoint.id}` })).statusCode).toBe(404);
  });
});
