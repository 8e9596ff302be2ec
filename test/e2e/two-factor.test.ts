import { generate } from 'otplib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { screenshot, startPortal, type Portal } from './support/portal.js';

const ADMIN = { email: 'security@example.com', password: 'portal-e2e-security-password' };

/** The code an authenticator app would show `offsetSeconds` from now, computed as the app does. */
function totp(secret: string, offsetSeconds = 0): Promise<string> {
  return generate({ secret, epoch: Math.floor(Date.now() / 1000) + offsetSeconds });
}

describe('two-factor sign-in in the Admin Portal', () => {
  let portal: Portal;
  let secret = '';
  let recoveryCodes: string[] = [];

  beforeAll(async () => {
    portal = await startPortal();
    await portal.api.json('POST', '/api/v1/admins', { ...ADMIN, role: 'security' });
  }, 240_000);
  afterAll(async () => portal?.close());

  async function passwordStep() {
    const { page } = portal;
    await portal.context.clearCookies();
    await page.goto(`${portal.url}/admin/`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Two-factor authentication' }).waitFor();
  }

  it('enrols with the QR code and manual key, and shows the recovery codes once', async () => {
    const { page } = portal;
    await page.goto(`${portal.url}/admin/`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Two-factor authentication' }).click();
    await page.getByText('Two-factor authentication is off').waitFor();
    await page.getByRole('button', { name: 'Set up two-factor authentication' }).click();

    const qr = page.getByRole('img', { name: 'QR code of your authenticator key' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    secret = ((await page.getByTestId('mfa-secret').textContent()) ?? '').replace(/\s/g, '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    await screenshot(page, 'two-factor-enrolment');

    // A wrong code is refused in the form; the right one, typed with the keyboard, turns MFA on.
    const code = page.getByLabel('Authentication code');
    await code.fill((await totp(secret)) === '000000' ? '111111' : '000000');
    await code.press('Enter');
    await page.getByRole('alert').getByText('The code is not correct').waitFor();
    await code.fill(await totp(secret));
    await code.press('Enter');

    const list = page.getByTestId('recovery-codes');
    await list.waitFor();
    recoveryCodes = (await list.getByRole('listitem').allTextContents()).map((c) => c.trim());
    expect(recoveryCodes).toHaveLength(10);
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download codes' }).click();
    expect((await download).suggestedFilename()).toBe('keymanager-recovery-codes.txt');
    await screenshot(page, 'two-factor-recovery-codes');
    await page.getByRole('button', { name: 'I have stored them' }).click();
    await page.getByText('Two-factor authentication is on').waitFor();
    await page.getByText('Recovery codes left: 10').waitFor();
    expect(portal.pageErrors).toEqual([]);
  });

  it('signs in with the password, then a TOTP code computed like an authenticator app', async () => {
    const { page } = portal;
    await passwordStep();
    // Nothing of the portal before the code.
    expect(await page.getByRole('navigation', { name: 'Main' }).count()).toBe(0);
    await screenshot(page, 'two-factor-code-step');
    const field = page.getByLabel('Authentication code');
    await field.fill('123456' === (await totp(secret, 30)) ? '654321' : '123456');
    await field.press('Enter');
    await page.getByRole('alert').getByText('The code is not correct').waitFor();
    // The enrolment used the current time step; the next one (within the accepted drift) is fresh.
    await field.fill(await totp(secret, 30));
    await field.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    // The sign-in with its second factor is in the Activity Logs.
    await page.getByRole('link', { name: 'Activity Logs' }).click();
    await page.getByRole('button', { name: 'MFA_VERIFIED', exact: true }).first().waitFor();
    await page.getByRole('button', { name: 'MFA_ENROLLED', exact: true }).first().waitFor();
    expect(portal.pageErrors).toEqual([]);
  });

  it('signs in with a recovery code instead, once', async () => {
    const { page } = portal;
    await passwordStep();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    const field = page.getByLabel('Recovery code');
    await field.fill(recoveryCodes[0]!);
    await field.press('Enter');
    await page.getByRole('button', { name: 'Sign out' }).waitFor();

    await passwordStep();
    await page.getByRole('button', { name: 'Use a recovery code' }).click();
    await page.getByLabel('Recovery code').fill(recoveryCodes[0]!);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByRole('alert').getByText('The code is not correct').waitFor();
    await page.getByRole('button', { name: 'Cancel sign-in' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  });

  it('lets the owner reset it from the admins page', async () => {
    const { page } = portal;
    await portal.context.clearCookies();
    await page.goto(`${portal.url}/admin/`);
    await page.getByLabel('Email').fill('owner@example.com');
    await page.getByLabel('Password').fill('portal-e2e-owner-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Admins & API keys' }).click();
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: `Reset two-factor of ${ADMIN.email}` }).click();
    await page
      .getByRole('button', { name: `Reset two-factor of ${ADMIN.email}` })
      .waitFor({ state: 'detached' });
    const status = await portal.api.json<{ data: { email: string; mfa_enabled: boolean }[] }>(
      'GET',
      '/api/v1/admins',
    );
    expect(status.data.find((a) => a.email === ADMIN.email)?.mfa_enabled).toBe(false);
    expect(portal.pageErrors).toEqual([]);
  });
});
