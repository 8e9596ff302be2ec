import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, signIn, startPortal, type Portal } from './support/portal.js';

const ATTACKER = '203.0.113.66';

describe('Security → Rules and Blocked Requests', () => {
  let portal: Portal;
  // The test chooses its client address: the server trusts the loopback proxy's X-Forwarded-For.
  const fromAttacker = () =>
    fetch(`${portal.url}/api/v1/licenses/status`, {
      method: 'POST',
      headers: { 'x-forwarded-for': ATTACKER, 'content-type': 'application/json' },
      body: JSON.stringify({ license_key: 'AAAA-BBBB-CCCC-DDDD' }),
    });

  beforeAll(async () => {
    portal = await startPortal({ KM_TRUST_PROXY: '127.0.0.1' });
    await signIn(portal);
  }, 240_000);
  afterAll(async () => portal?.close());

  it('blocks an address with a rule', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Rules', exact: true }).click();
    const form = page.getByRole('form', { name: 'New rule' });
    await form.getByLabel('Rule type').selectOption('ip');
    await form.getByLabel('Value').fill(ATTACKER);
    await form.getByLabel('Reason').fill('Key guessing');
    await form.getByRole('button', { name: 'Block' }).click();
    await page
      .getByRole('table', { name: 'Rules' })
      .getByRole('cell', { name: ATTACKER, exact: true })
      .waitFor();
    await screenshot(page, 'security-rules');
    expect((await fromAttacker()).status).toBe(403);
  });

  it('finds the refused request under Blocked Requests, then allowlists the address and lifts the ban', async () => {
    const { page } = portal;
    await page.getByRole('link', { name: 'Blocked Requests' }).click();
    const table = page.getByRole('table', { name: 'Blocked requests' });
    await expect
      .poll(
        async () => {
          await page.reload();
          await page.getByRole('heading', { name: 'Blocked Requests' }).waitFor();
          await page.getByText('Loading blocked requests').waitFor({ state: 'detached' });
          return table.isVisible();
        },
        { timeout: 20_000, interval: 500 },
      )
      .toBe(true);
    const row = table.getByRole('row').filter({ hasText: ATTACKER });
    expect(await row.locator('td').nth(1).textContent()).toBe('IP_BLOCKLISTED');
    await page
      .getByRole('table', { name: 'Top addresses' })
      .getByRole('rowheader', { name: ATTACKER })
      .waitFor();
    await page
      .getByRole('table', { name: 'Block reasons' })
      .getByRole('rowheader', { name: 'IP_BLOCKLISTED' })
      .waitFor();
    await screenshot(page, 'blocked-requests');

    await row.getByRole('button', { name: 'IP_BLOCKLISTED' }).click();
    const detail = page.getByRole('complementary', { name: 'Blocked request details' });
    await detail.getByRole('button', { name: `Allowlist ${ATTACKER}` }).click();
    await detail.getByText(`${ATTACKER} is allowlisted.`).waitFor();
    const allowlist = await portal.api.json<{ data: { value: string }[] }>(
      'GET',
      '/api/v1/security/allowlist',
    );
    expect(allowlist.data.map((e) => e.value)).toEqual([ATTACKER]);
    // Past the security layer now: the licence API answers for itself.
    expect((await fromAttacker()).status).toBe(401);

    await detail.getByRole('button', { name: 'Lift this ban' }).click();
    await detail.getByText(/^Rule rule_\w+ is lifted\.$/).waitFor();
    const rules = await portal.api.json<{ data: unknown[] }>('GET', '/api/v1/security/rules');
    expect(rules.data).toEqual([]);
    expect(portal.pageErrors).toEqual([]);
  });
});
