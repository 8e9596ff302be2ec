import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

const SECRET = 'sink-signing-secret-0123456789';

describe('Integrations → Log sinks', () => {
  let portal: Portal;
  let receiver: http.Server;
  let receiverUrl: string;
  const batches: string[] = [];

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        batches.push(body);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/siem`;
    portal = await startPortal({ KM_LOG_SINK_INTERVAL_MS: '200' });
    await signIn(portal);
  }, 240_000);
  afterAll(async () => {
    await portal?.close();
    await new Promise((resolve) => receiver?.close(resolve));
  });

  it('creates a webhook sink, shows its secret masked, sends a test and shows its health', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Log sinks' }).click();
    await page.getByText('No sink yet').waitFor();
    await page.getByRole('button', { name: 'New sink' }).click();
    const form = page.getByRole('form', { name: 'New sink' });
    await form.getByLabel('Type').selectOption('webhook');
    await form.getByLabel('URL').fill(receiverUrl);
    await form.getByLabel('Secret').fill(SECRET);
    await form.getByRole('button', { name: 'Create sink' }).click();

    const table = page.getByRole('table', { name: 'Log sinks' });
    const row = table.getByRole('row').filter({ hasText: receiverUrl });
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(1, 4)).toEqual(['webhook', 'activity', 'active']);
    const detail = page.getByRole('complementary', { name: 'Sink details' });
    expect(await detail.textContent()).not.toContain(SECRET);
    expect(await page.locator('body').textContent()).not.toContain(SECRET);

    await detail.getByRole('button', { name: 'Send test' }).click();
    await detail.getByText(/^Test delivered in \d+ ms\.$/).waitFor();

    // An admin change after the sink's creation is an activity entry the sink must deliver. The sink's
    // own creation entry may arrive first, so wait for this one at the receiver, then read the health.
    await portal.api.json('POST', '/api/v1/products', { name: 'Forwarded Product' });
    await expect
      .poll(() => batches.some((b) => b.includes('Forwarded Product')), { timeout: 15_000, interval: 200 })
      .toBe(true);
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh health' }).click();
          return row.locator('td').nth(5).textContent();
        },
        { timeout: 15_000, interval: 300 },
      )
      .not.toBe('0');
    expect(await row.locator('td').nth(8).textContent()).toBe('—');
    await screenshot(page, 'log-sinks');
    expect(portal.pageErrors).toEqual([]);
  });

  it('shows the API refusal next to the form, and creates nothing', async () => {
    const { page } = portal;
    await page.getByRole('button', { name: 'New sink' }).click();
    const form = page.getByRole('form', { name: 'New sink' });
    await form.getByLabel('Type').selectOption('syslog');
    await form.getByLabel('URL').fill('http://syslog.example.com');
    await form.getByRole('button', { name: 'Create sink' }).click();
    await form.getByRole('alert').getByText('url').waitFor();
    const sinks = await portal.api.json<{ data: unknown[] }>('GET', '/api/v1/log-sinks');
    expect(sinks.data).toHaveLength(1);
  });
});
