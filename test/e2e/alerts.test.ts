import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

const BUILTINS = [
  'Authentication failure rate',
  'Spike of blocked requests',
  'Brute force or key guessing from one address',
  'Sensitive admin action',
  'Endpoint error rate',
  'Log pipeline dropping or spooling',
  'Storage growth',
];

describe('Alerts and Alert rules', () => {
  let portal: Portal;

  beforeAll(async () => {
    portal = await startPortal({ KM_ALERT_EVAL_SECONDS: '1' });
    await signIn(portal);
  }, 240_000);
  afterAll(async () => portal?.close());

  it('lists the built-in rules and disables one', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Alert rules' }).click();
    const table = page.getByRole('table', { name: 'Alert rules' });
    await table.waitFor();
    const names = await table.getByRole('rowheader').allTextContents();
    expect(names).toEqual(expect.arrayContaining(BUILTINS));
    const row = table.getByRole('row').filter({ hasText: 'Storage growth' });
    expect(await row.locator('td').nth(0).textContent()).toBe('built-in');
    expect(await row.locator('td').nth(6).textContent()).toBe('yes');
    await row.getByRole('button', { name: 'Disable Storage growth' }).click();
    await page.getByText('Storage growth is disabled.').waitFor();
    await expect.poll(() => row.locator('td').nth(6).textContent()).toBe('no');
    const rules = await portal.api.json<{ data: { name: string; enabled: boolean }[] }>(
      'GET',
      '/api/v1/alerts/rules',
    );
    expect(rules.data.find((r) => r.name === 'Storage growth')?.enabled).toBe(false);
    await screenshot(page, 'alert-rules');
  });

  it('creates a custom rule that fires on a failed call, and shows the alert with its measured value', async () => {
    const { page } = portal;
    await page.getByRole('button', { name: 'New custom rule' }).click();
    const form = page.getByRole('form', { name: 'New custom rule' });
    await form.getByLabel('Name').fill('Any failed licence check');
    await form.getByLabel('Severity').selectOption('critical');
    await form.getByLabel('Condition (JSON)').fill(
      JSON.stringify({
        type: 'custom',
        log: 'failed-api-calls',
        filters: {},
        metric: 'count',
        threshold: 1,
        window_minutes: 5,
      }),
    );
    await form.getByRole('button', { name: 'Create rule' }).click();
    await page.getByText('Any failed licence check is created.').waitFor();

    const failed = await fetch(`${portal.url}/api/v1/licenses/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ license_key: 'AAAA-BBBB-CCCC-DDDD' }),
    });
    expect(failed.status).toBeGreaterThanOrEqual(400);

    await page.getByRole('link', { name: 'Fired alerts' }).click();
    const alertsTable = page.getByRole('table', { name: 'Alerts' });
    await expect
      .poll(
        async () => {
          await page.getByRole('button', { name: 'Refresh' }).click();
          return alertsTable.getByRole('button', { name: 'Any failed licence check' }).count();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(1);
    const row = alertsTable.getByRole('row').filter({ hasText: 'Any failed licence check' });
    // Every failed call counts (the portal's own signed-out checks too): at least the one made here.
    const cells = (await row.locator('td').allTextContents()).slice(2);
    expect([cells[0], cells[1], cells[3]]).toEqual(['critical', 'firing', '1']);
    expect(Number(cells[2])).toBeGreaterThanOrEqual(1);

    // The filter form narrows the history: no resolved alert yet.
    const filters = page.getByRole('search', { name: 'Alert filters' });
    await filters.getByLabel('State').selectOption('resolved');
    await filters.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No alert matches these filters.').waitFor();
    expect(new URL(page.url()).searchParams.get('state')).toBe('resolved');
    await filters.getByLabel('State').selectOption('firing');
    await filters.getByLabel('Severity').selectOption('critical');
    await filters.getByRole('button', { name: 'Apply filters' }).click();

    await row.getByRole('button', { name: 'Any failed licence check' }).click();
    const detail = page.getByRole('complementary', { name: 'Alert details' });
    await detail.getByText('Measured value').waitFor();
    const values = await detail.locator('dd').allTextContents();
    expect(values.slice(0, 3)).toEqual(['Any failed licence check', 'critical', 'firing']);
    expect(Number(values[3])).toBeGreaterThanOrEqual(1);
    expect(values[4]).toBe('1');
    expect(await detail.locator('p').first().textContent()).not.toBe('');
    await detail.getByText('No notification channel is set on this rule.').waitFor();
    await screenshot(page, 'alerts');
    expect(portal.pageErrors).toEqual([]);
  });
});
