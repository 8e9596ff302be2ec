import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LoggingSettings } from '../../web/src/api/types.js';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

describe('Settings → Logging', () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal();
    await signIn(portal);
  }, 240_000);
  afterAll(async () => portal?.close());

  it('shows the four toggles ON with their descriptions, and every setting of the document', async () => {
    const { page } = portal;
    await page.goto(`${portal.url}/admin/settings/logging`);
    for (const name of [
      'Log Dashboard Activities',
      'Log API Calls',
      'Log Failed API Calls',
      'Log Blocklisted API Calls',
    ]) {
      const toggle = page.getByRole('switch', { name });
      expect(await toggle.getAttribute('aria-checked')).toBe('true');
      expect(await toggle.textContent()).toBe('ON');
    }
    await page.getByText('Enables or disables logging of all successful API requests').waitFor();
    expect(await page.getByLabel('Sample rate of successful API calls').inputValue()).toBe('1');
    expect(await page.getByLabel('Retention of Dashboard activities in days').inputValue()).toBe('365');
    expect(await page.getByLabel('Retention of API calls in days').inputValue()).toBe('90');
    expect(await page.getByRole('button', { name: 'Save Settings' }).isDisabled()).toBe(true);
    await screenshot(page, 'settings-logging');
  });

  it('switches "Log API Calls" off, saves with Save Settings, confirms, and the API agrees', async () => {
    const { page } = portal;
    await page.goto(`${portal.url}/admin/settings/logging`);
    const toggle = page.getByRole('switch', { name: 'Log API Calls' });
    await toggle.click();
    expect(await toggle.textContent()).toBe('OFF');
    await page.getByText('You have unsaved changes.').waitFor();
    await page.getByText('OFF: Only failed API calls (if enabled separately) are logged').waitFor();
    await page.getByRole('button', { name: 'Save Settings' }).click();
    await page.getByText('Settings saved. They apply from the next request.').waitFor();
    const saved = await portal.api.json<LoggingSettings>('GET', '/api/v1/settings/logging');
    expect(saved.log_api_calls).toBe(false);
    expect(saved.log_failed_api_calls).toBe(true);
    expect(saved.retention_days.activity).toBe(365);
    // A reload shows what the server holds.
    await page.reload();
    expect(await page.getByRole('switch', { name: 'Log API Calls' }).textContent()).toBe('OFF');
  });

  it('does not lose unsaved changes to an accidental click in the menu', async () => {
    const { page } = portal;
    await page.goto(`${portal.url}/admin/settings/logging`);
    await page.getByLabel('Retention of Failed API calls in days').fill('30');
    await page.getByRole('link', { name: 'Products' }).click();
    await page.getByText('You have unsaved changes. Leave this page and lose them?').waitFor();
    await page.getByRole('button', { name: 'Stay on this page' }).click();
    expect(page.url()).toMatch(/\/admin\/settings\/logging$/);
    expect(await page.getByLabel('Retention of Failed API calls in days').inputValue()).toBe('30');
    await page.getByRole('link', { name: 'Products' }).click();
    await page.getByRole('button', { name: 'Leave without saving' }).click();
    await page.waitForURL(/\/admin\/products$/);
    const saved = await portal.api.json<LoggingSettings>('GET', '/api/v1/settings/logging');
    expect(saved.retention_days.failed_api_calls).toBe(90);
  });

  it('names the field the server refused, and changes nothing', async () => {
    const { page } = portal;
    await page.goto(`${portal.url}/admin/settings/logging`);
    await page.getByLabel('Sample rate of successful API calls').fill('1.5');
    await page.getByRole('button', { name: 'Save Settings' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('api_call_sample_rate').waitFor();
    expect(await alert.textContent()).toContain('The settings were not saved');
    const saved = await portal.api.json<LoggingSettings>('GET', '/api/v1/settings/logging');
    expect(saved.api_call_sample_rate).toBe(1);
    expect(portal.pageErrors).toEqual([]);
  });
});
