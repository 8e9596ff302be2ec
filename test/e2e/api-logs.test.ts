import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

describe('Analytics → API Logs → Failures', () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal();
    await signIn(portal);
    const key = await portal.api.json<{ secret: string }>('POST', '/api/v1/api-keys', {
      name: 'desktop app',
      scope: 'licenses',
    });
    // One failing activation (an unknown licence key) and one call refused for its body.
    const call = (body: unknown) =>
      fetch(`${portal.url}/api/v1/licenses/activate`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key.secret}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect((await call({ license_key: 'ZZZZ-ZZZZ-ZZZZ-ZZZZ', fingerprint: 'machine-1' })).status).toBe(404);
    expect((await call({ fingerprint: 'machine-1' })).status).toBe(422);
  }, 240_000);
  afterAll(async () => portal?.close());

  it('groups the failing activation under its error code and shows its details', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Failures' }).click();
    const groups = page.getByRole('table', { name: 'Failures by error type' });
    // Entries reach the store a moment after the response: reload until they are there.
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole('heading', { name: 'Failures by error type' }).waitFor();
          await page.getByText('Grouping failures').waitFor({ state: 'detached' });
          return groups.isVisible();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(true);
    const group = groups.getByRole('row').filter({ hasText: 'ERR_LICENSE_NOT_FOUND' });
    expect(await group.locator('td').last().textContent()).toBe('1');
    await groups.getByRole('row').filter({ hasText: 'ERR_VALIDATION' }).waitFor();

    await group.getByRole('button', { name: 'ERR_LICENSE_NOT_FOUND' }).click();
    await page.waitForURL(/error_code=ERR_LICENSE_NOT_FOUND/);
    const calls = page.getByRole('table', { name: 'API calls' });
    await expect.poll(() => calls.locator('tbody tr').count()).toBe(1);
    await calls.getByRole('button', { name: 'POST /api/v1/licenses/activate' }).click();
    const detail = page.getByRole('complementary', { name: 'API call details' });
    await detail.getByText('ERR_LICENSE_NOT_FOUND').waitFor();
    // The licence key is masked in the log: only its last four characters.
    await detail.getByText('XXXX-XXXX-XXXX-ZZZZ', { exact: true }).waitFor();
    await page.getByRole('figure', { name: /^Calls per/ }).waitFor();
    await screenshot(page, 'api-logs-failures');
  });

  it('shows the validation errors of a refused body', async () => {
    const { page } = portal;
    await page.goto(`${portal.url}/admin/analytics/api-logs/failures?error_code=ERR_VALIDATION`);
    await page.getByRole('table', { name: 'API calls' }).getByRole('button').first().click();
    const errors = page.getByRole('table', { name: 'Validation errors' });
    await errors.getByRole('cell', { name: 'license_key', exact: true }).waitFor();
  });

  it('lists every call under All calls, filtered by endpoint and status class', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'All calls' }).click();
    const filters = page.getByRole('search', { name: 'API log filters' });
    await filters.getByLabel('Endpoint').fill('/api/v1/licenses/activate');
    await filters.getByLabel('Status').fill('4xx');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/status=4xx/);
    const calls = page.getByRole('table', { name: 'API calls' });
    await expect.poll(() => calls.locator('tbody tr').count()).toBe(2);
    await screenshot(page, 'api-logs');
    expect(portal.pageErrors).toEqual([]);
  });
});
