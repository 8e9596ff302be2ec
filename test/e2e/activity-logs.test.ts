import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

describe('licences and Dashboard → Activity Logs', () => {
  let portal: Portal;
  let licenseKey = '';
  beforeAll(async () => {
    portal = await startPortal();
    await signIn(portal);
  }, 240_000);
  afterAll(async () => portal?.close());

  it('creates a product and a licence, and suspends the licence with a reason', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Products' }).click();
    await page.getByText('No products yet').waitFor();
    await page.getByLabel('Product name').fill('Acme Editor');
    await page.getByLabel('Code').fill('acme-editor');
    await page.getByRole('button', { name: 'Create product' }).click();
    await page.getByRole('cell', { name: 'Acme Editor', exact: true }).waitFor();
    await screenshot(page, 'products');

    await page.getByRole('link', { name: 'Licences' }).click();
    await page
      .getByRole('form', { name: 'New licence' })
      .getByRole('combobox')
      .selectOption({ label: 'Acme Editor' });
    await page.getByLabel('Max activations (empty: unlimited)').fill('2');
    await page.getByRole('button', { name: 'Create licence' }).click();
    const created = page.getByRole('status').filter({ hasText: 'Created licence' });
    licenseKey = (await created.locator('code').textContent()) ?? '';
    expect(licenseKey).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/);

    await page.getByRole('button', { name: licenseKey }).click();
    const detail = page.getByRole('complementary', { name: 'Licence details' });
    await detail.getByLabel('Reason').fill('Payment failure');
    await detail.getByRole('button', { name: 'Suspend licence' }).click();
    await detail.getByText('Licence suspended.').waitFor();
    await detail.getByText('Payment failure').waitFor();
    await screenshot(page, 'licences');
    const licenses = await portal.api.json<{ data: { key: string; status: string }[] }>(
      'GET',
      '/api/v1/licenses',
    );
    expect(licenses.data.find((l) => l.key === licenseKey)?.status).toBe('suspended');
  });

  it('finds the suspension by action type, shows its reason and the status before and after', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Activity Logs' }).click();
    const filters = page.getByRole('search', { name: 'Activity log filters' });
    await filters.getByLabel('Action type').selectOption('LICENSE_SUSPENDED');
    await filters.getByLabel('Admin user').fill('owner@example.com');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/action_type=LICENSE_SUSPENDED/);
    const rows = page.locator('tbody tr');
    await expect.poll(() => rows.count()).toBe(1);
    await rows.first().getByRole('button', { name: 'LICENSE_SUSPENDED' }).click();
    const detail = page.getByRole('complementary', { name: 'Activity details' });
    await detail.getByText('Payment failure').waitFor();
    const changes = detail.getByRole('table', { name: 'Changes' });
    const status = changes.getByRole('row').filter({ hasText: 'status' }).first();
    expect(await status.locator('td').allTextContents()).toEqual(['active', 'suspended']);
    // The licence key appears masked, never in full.
    expect(await page.content()).not.toContain(licenseKey);
    await screenshot(page, 'activity-logs');

    // The filters survive a reload.
    await page.reload();
    expect(await filters.getByLabel('Action type').inputValue()).toBe('LICENSE_SUSPENDED');
    await expect.poll(() => rows.count()).toBe(1);
  });

  it('exports the filtered activity to CSV', async () => {
    const { page } = portal;
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Export to CSV' }).click();
    const file = await download;
    expect(file.suggestedFilename()).toBe('keymanager-activity-log.csv');
    const csv = await readFile((await file.path())!, 'utf8');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^id,timestamp,admin_user,/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('LICENSE_SUSPENDED');
    expect(lines[1]).toContain('Payment failure');
    expect(csv).not.toContain(licenseKey);
    expect(portal.pageErrors).toEqual([]);
  });
});
