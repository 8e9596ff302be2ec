import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

interface LicenseBody {
  id: string;
  key: string;
  max_activations: number | null;
  expires_at: string | null;
  features: string[];
  metadata: Record<string, unknown>;
}

describe('licence edit, catalogue search and customer notes', () => {
  let portal: Portal;
  beforeAll(async () => {
    portal = await startPortal();
    await signIn(portal);
  }, 240_000);
  afterAll(async () => portal?.close());

  it('edits a licence found by its customer, refusing bad input before sending it', async () => {
    const { page, api } = portal;
    const product = await api.json<{ id: string }>('POST', '/api/v1/products', { name: 'Sketcher' });
    const customer = await api.json<{ id: string }>('POST', '/api/v1/customers', {
      name: 'Initech',
      email: 'it@initech.example',
    });
    const license = await api.json<LicenseBody>('POST', '/api/v1/licenses', {
      product_id: product.id,
      customer_id: customer.id,
      max_activations: 1,
    });
    await api.json('POST', '/api/v1/licenses', { product_id: product.id, max_activations: 1 });
    const read = () => api.json<LicenseBody>('GET', `/api/v1/licenses/${license.id}`);

    await page.getByRole('link', { name: 'Licences' }).click();
    const filters = page.getByRole('search', { name: 'Licence filters' });
    await filters.getByLabel('Search').fill('initech');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/q=initech/);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);

    await page.getByRole('button', { name: license.key }).click();
    const detail = page.getByRole('complementary', { name: 'Licence details' });
    await detail.getByRole('button', { name: 'Edit licence' }).click();
    const form = detail.getByRole('form', { name: 'Edit licence' });

    // Not a number, and not JSON: both marked, nothing sent.
    await form.getByLabel('Max activations').fill('five');
    await form.getByLabel('Metadata (JSON)').fill('{seats: 5');
    await form.getByRole('button', { name: 'Save licence' }).click();
    await form.getByText('A whole number from 0 to 1,000,000, or empty for unlimited.').waitFor();
    await form.getByText('Not valid JSON.').waitFor();
    expect(await form.getByLabel('Max activations').getAttribute('aria-invalid')).toBe('true');
    expect(await read()).toMatchObject({ max_activations: 1, metadata: {} });

    // The API's own refusal, shown with its code.
    await form.getByLabel('Max activations').fill('5');
    await form.getByLabel('Metadata (JSON)').fill('{"seats": 5}');
    await form.getByLabel('Customer id').fill('cus_nobody');
    await form.getByRole('button', { name: 'Save licence' }).click();
    await form.getByRole('alert').filter({ hasText: /ERR_/ }).waitFor();
    expect(await read()).toMatchObject({ max_activations: 1, metadata: {} });

    await form.getByLabel('Customer id').fill(customer.id);
    // The end of 30 June 2030 in Paris (summer time, UTC+2) is 21:59:59.999 UTC.
    await form.getByLabel('Expires on').fill('2030-06-30');
    await form.getByLabel('Features').fill('export, sync');
    await form.getByRole('button', { name: 'Save licence' }).click();
    await detail.getByText('Licence saved.').waitFor();
    await detail.getByText('0 / 5').waitFor();
    expect(await read()).toMatchObject({
      max_activations: 5,
      expires_at: '2030-06-30T21:59:59.999Z',
      features: ['export', 'sync'],
      metadata: { seats: 5 },
    });
    // Shown in local time, UTC on hover.
    const expires = detail.locator('time').first();
    expect(await expires.getAttribute('title')).toBe('2030-06-30 21:59:59.999 UTC');
    expect(await expires.textContent()).toContain('30 Jun 2030');
    await screenshot(page, 'licence-edit');
  });

  it('finds a customer by text and keeps notes on it', async () => {
    const { page, api } = portal;
    await api.json('POST', '/api/v1/customers', { name: 'Globex', email: 'ops@globex.example' });
    await page.getByRole('link', { name: 'Customers' }).click();
    const search = page.getByRole('search', { name: 'Search customers' });
    await search.getByLabel('Search').fill('GLOBEX.example');
    await search.getByRole('button', { name: 'Apply filters' }).click();
    await page.waitForURL(/q=GLOBEX.example/);
    const table = page.getByRole('table', { name: 'Customers' });
    await expect.poll(() => table.locator('tbody tr').count()).toBe(1);

    await table.getByRole('button', { name: 'Globex', exact: true }).click();
    const detail = page.getByRole('complementary', { name: 'Customer Globex' });
    await detail.getByText('No notes on this customer yet.').waitFor();
    const customers = await api.json<{ data: { id: string }[] }>('GET', '/api/v1/customers?q=globex');
    const notesUrl = `/api/v1/customers/${customers.data[0]!.id}/notes`;

    // An empty note is refused here, not sent.
    await detail.getByRole('button', { name: 'Add note' }).click();
    await detail.getByText('Write the note first').waitFor();
    expect((await api.json<{ data: unknown[] }>('GET', notesUrl)).data).toEqual([]);

    // With the keyboard: type, Tab to the button, Enter.
    await detail.getByLabel('New note').fill('Renewal call on Monday.\nAsk about 20 more seats.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await detail.getByText('Note added.').waitFor();
    const notes = detail.getByRole('list', { name: 'Notes' });
    await notes.getByText('Ask about 20 more seats.', { exact: false }).waitFor();
    await notes.getByText('owner@example.com', { exact: false }).waitFor();
    expect(await detail.getByLabel('New note').inputValue()).toBe('');

    await detail.getByLabel('New note').fill('Second note.');
    await detail.getByRole('button', { name: 'Add note' }).click();
    await expect.poll(() => notes.locator('li').count()).toBe(2);
    expect(await notes.locator('li').first().textContent()).toContain('Second note.');
    const stored = await api.json<{ data: { body: string }[] }>('GET', notesUrl);
    expect(stored.data.map((n) => n.body)).toEqual([
      'Second note.',
      'Renewal call on Monday.\nAsk about 20 more seats.',
    ]);
    await screenshot(page, 'customer-notes');
    expect(portal.pageErrors).toEqual([]);
  });
});
