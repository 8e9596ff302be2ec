import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe('Integrations → Webhooks', () => {
  let portal: Portal;
  let receiver: http.Server;
  let receiverUrl: string;
  const received: Received[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks/keymanager`;
    portal = await startPortal();
    await signIn(portal);
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('creates an endpoint, shows its secret once, and records a test delivery in its history', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByText('No endpoint yet').waitFor();
    await page.getByRole('button', { name: 'New endpoint' }).click();
    const form = page.getByRole('form', { name: 'New endpoint' });
    await form.getByLabel('URL').fill(receiverUrl);
    await form.getByLabel('license.created').check();
    await form.getByLabel('license.suspended').check();
    await form.getByRole('button', { name: 'Create endpoint' }).click();

    const secretBox = page.getByRole('region', { name: `Signing secret of ${receiverUrl}` });
    const secret = (await secretBox.getByTestId('secret-once').textContent()) ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(16);
    const table = page.getByRole('table', { name: 'Webhook endpoints' });
    const row = table.getByRole('row').filter({ hasText: receiverUrl });
    expect(await row.locator('td').nth(1).textContent()).toBe('license.created, license.suspended');
    // The list shows only the masked form, never the secret.
    expect(await table.textContent()).not.toContain(secret);
    await secretBox.getByRole('button', { name: 'I have stored it' }).click();
    await secretBox.waitFor({ state: 'detached' });
    await page.reload();
    await table.waitFor();
    expect(await page.locator('body').textContent()).not.toContain(secret);

    await row.getByRole('button', { name: receiverUrl }).click();
    const detail = page.getByRole('complementary', { name: 'Endpoint details' });
    await detail.getByText('No delivery yet').waitFor();
    await detail.getByRole('button', { name: 'Send test delivery' }).click();
    await detail.getByText(/^Test delivered: HTTP 200 in \d+ ms\.$/).waitFor();
    const delivery = detail.getByRole('table', { name: 'Deliveries' }).getByRole('row').nth(1);
    const cells = await delivery.locator('td').allTextContents();
    expect(cells.slice(1, 3)).toEqual(['webhook.test', 'delivered']);
    expect(cells[3]).toMatch(/^1 \/ \d+$/);
    expect(cells[4]).toBe('200');
    expect(cells[5]).toMatch(/^\d+ ms$/);
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({ type: 'webhook.test' });
    await screenshot(page, 'webhooks');
    expect(portal.pageErrors).toEqual([]);
  });
});
