import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

const SCRIPT = '<script>alert("x")</script>';

describe('Settings → Email templates', () => {
  let portal: Portal;
  const dialogs: string[] = [];

  beforeAll(async () => {
    portal = await startPortal();
    portal.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signIn(portal);
  }, 240_000);
  afterAll(async () => portal?.close());

  it('edits a template, previews a script in a value as text, saves it and shows the new version', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Email templates' }).click();
    const table = page.getByRole('table', { name: 'Email templates' });
    const row = table.getByRole('row').filter({ hasText: 'license_issued' });
    expect(await row.locator('td').nth(2).textContent()).toBe('default');
    await row.getByRole('button', { name: 'license_issued' }).click();

    const editor = page.getByRole('region', { name: 'Template license_issued' });
    await editor.getByText('Never changed').waitFor();
    await editor
      .getByLabel('Subject', { exact: true })
      .fill('Your new {{product_name}} licence, {{customer_name}}');
    await editor.getByLabel('customer_name', { exact: true }).fill(SCRIPT);
    await editor.getByRole('button', { name: 'Preview' }).click();

    const preview = editor.getByRole('region', { name: 'Preview' });
    expect(await preview.getByTestId('preview-subject').textContent()).toBe(
      `Your new Analytical Engine Pro licence, ${SCRIPT}`,
    );
    expect(await preview.getByTestId('preview-text').textContent()).toContain(`Hello ${SCRIPT},`);
    // The HTML shows the value as text, in a sandbox without scripts.
    const frame = preview.frameLocator('iframe[title="HTML preview"]');
    expect(await frame.locator('body').textContent()).toContain(`Hello ${SCRIPT},`);
    expect(await frame.locator('script').count()).toBe(0);
    expect(await preview.locator('iframe').getAttribute('sandbox')).toBe('');
    expect(await page.locator('script:not([src])').count()).toBe(0);

    await editor.getByRole('button', { name: 'Save template' }).click();
    await page.getByText('Template saved as version 1.').waitFor();
    const versions = page
      .getByRole('region', { name: 'Template license_issued' })
      .getByRole('table', { name: 'Versions' });
    await versions.getByRole('cell', { name: 'v1', exact: true }).waitFor();
    expect(await versions.getByRole('row').nth(1).locator('td').nth(1).textContent()).toBe(
      'Your new {{product_name}} licence, {{customer_name}}',
    );
    expect(await row.locator('td').nth(2).textContent()).toBe('v1');
    await screenshot(page, 'email-templates');

    const stored = await portal.api.json<{ data: { kind: string; version: number; subject: string }[] }>(
      'GET',
      '/api/v1/email-templates',
    );
    expect(stored.data.find((t) => t.kind === 'license_issued')).toMatchObject({
      version: 1,
      subject: 'Your new {{product_name}} licence, {{customer_name}}',
    });
    expect(dialogs).toEqual([]);
    expect(portal.pageErrors).toEqual([]);
  });

  it('shows a refused template next to its field and keeps the saved version', async () => {
    const { page } = portal;
    const editor = page.getByRole('region', { name: 'Template license_issued' });
    await editor.getByLabel('HTML', { exact: true }).fill('<p>{{{customer_name}}}</p>');
    await editor.getByRole('button', { name: 'Save template' }).click();
    await editor.getByText('inserts {{{customer_name}}} without escaping; use {{customer_name}}').waitFor();
    expect(await editor.getByLabel('HTML', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    const stored = await portal.api.json<{ data: { kind: string; version: number }[] }>(
      'GET',
      '/api/v1/email-templates',
    );
    expect(stored.data.find((t) => t.kind === 'license_issued')?.version).toBe(1);
  });
});
