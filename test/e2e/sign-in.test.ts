import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OWNER, screenshot, signIn, startPortal, type Portal } from './support/portal.js';

describe('signing in to the Admin Portal', () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal({ KM_LOGIN_MAX_FAILURES: '3' });
  }, 240_000);
  afterAll(async () => portal?.close());

  it('serves the portal at /admin under a strict Content-Security-Policy that lets its own assets load', async () => {
    const response = await fetch(`${portal.url}/admin/settings/logging`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const html = await response.text();
    const script = /src="(\/admin\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${portal.url}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${portal.url}/admin/assets/missing.js`)).status).toBe(404);

    await portal.page.goto(`${portal.url}/admin/`);
    await portal.page.getByRole('heading', { name: 'KeyManager Admin' }).waitFor();
    await screenshot(portal.page, 'sign-in');
    expect(portal.pageErrors).toEqual([]);
  });

  it('signs in with the keyboard, shows the menu, and signs out', async () => {
    const { page } = portal;
    await page.goto(`${portal.url}/admin/`);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.keyboard.press('Tab');
    await page.keyboard.type(OWNER.password);
    await page.keyboard.press('Enter');
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const link of [
      'Activity Logs',
      'API Logs',
      'Failures',
      'Blocked Requests',
      'Rules',
      'Licences',
      'Customers',
      'Products',
      'Logging',
      'Admins & API keys',
    ]) {
      await nav.getByRole('link', { name: link, exact: true }).waitFor();
    }
    // The owner lands on the first page of the menu.
    await page.waitForURL(/\/admin\/activity$/);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You have signed out.').waitFor();
    await page.goto(`${portal.url}/admin/settings/logging`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('sends an admin whose session ended back to sign in, with a message, on the same page', async () => {
    const { page, context } = portal;
    await signIn(portal);
    await page.getByRole('link', { name: 'Logging' }).click();
    await page.getByRole('switch', { name: 'Log API Calls' }).waitFor();
    // The session ends on the server side (the cookie is gone, as after an idle timeout).
    await context.clearCookies();
    await page.getByRole('link', { name: 'Products' }).click();
    await page.getByText('Your session has ended. Sign in again to continue where you were.').waitFor();
    expect(page.url()).toMatch(/\/admin\/products$/);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill(OWNER.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Products' }).waitFor();
    expect(portal.pageErrors).toEqual([]);
  });

  // Last: the throttle then holds for every sign-in from this address.
  it('says only that the email or password is wrong, and then that there were too many attempts', async () => {
    const { page } = portal;
    await portal.context.clearCookies();
    await page.goto(`${portal.url}/admin/`);
    const attempt = async (password: string) => {
      await page.getByLabel('Email').fill('nobody@example.com');
      await page.getByLabel('Password').fill(password);
      const answered = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
      await page.getByRole('button', { name: 'Sign in' }).click();
      await answered;
      return page.getByRole('alert').textContent();
    };
    for (let n = 0; n < 3; n++)
      expect(await attempt(`wrong-${n}`)).toBe('The email or password is not correct.');
    expect(await attempt('wrong-again')).toBe('Too many attempts. Wait a few minutes before you try again.');
    // The password field is emptied after a failure; nothing says whether the account exists.
    expect(await page.getByLabel('Password').inputValue()).toBe('');
  });
});
