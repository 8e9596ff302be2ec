import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

describe('Settings → Admins & API keys', () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal();
    await portal.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: portal.url });
    await signIn(portal);
  }, 240_000);
  afterAll(async () => portal?.close());

  it('shows a new key secret once, copies it, and the key works; the list shows it masked only', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Admins & API keys' }).click();
    const form = page.getByRole('form', { name: 'New API key' });
    await form.getByLabel('Key name').fill('desktop app');
    await form.getByRole('button', { name: 'Create key' }).click();
    const secret = (await page.getByTestId('new-secret').textContent()) ?? '';
    expect(secret).toMatch(/^km_live_[0-9A-Za-z]{32}$/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByText('Copied.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).toBe(secret);
    await screenshot(page, 'admins-and-api-keys');

    await page.getByRole('button', { name: 'I have stored it' }).click();
    const keys = page.getByRole('table', { name: 'API keys' });
    await keys.getByRole('cell', { name: 'desktop app', exact: true }).waitFor();
    expect(await page.content()).not.toContain(secret);
    const status = await fetch(`${portal.url}/api/v1/licenses/status`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ license_key: 'AAAA-BBBB-CCCC-DDDD' }),
    });
    expect(status.status).toBe(404);
  });

  it('adds an admin and changes their role', async () => {
    const { page } = portal;
    const form = page.getByRole('form', { name: 'New admin' });
    await form.getByLabel('Email').fill('support@example.com');
    await form.getByLabel('Initial password').fill('a-long-support-password');
    await form.getByLabel('Role').selectOption('support');
    await form.getByRole('button', { name: 'Add admin' }).click();
    const role = page.getByLabel('Role of support@example.com');
    expect(await role.inputValue()).toBe('support');
    await role.selectOption('viewer');
    await expect
      .poll(async () => {
        const admins = await portal.api.json<{ data: { email: string; role: string }[] }>(
          'GET',
          '/api/v1/admins',
        );
        return admins.data.find((a) => a.email === 'support@example.com')?.role;
      })
      .toBe('viewer');
    expect(portal.pageErrors).toEqual([]);
  });
});
