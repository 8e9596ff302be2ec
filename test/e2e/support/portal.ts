import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { expect } from 'vitest';
import { ROOT, startServer, stopServer } from '../../helpers/server-process.js';
import { buildServerAndPortal } from '../../helpers/build.js';

export const OWNER = { email: 'owner@example.com', password: 'portal-e2e-owner-password' };
export const SCREENSHOTS = path.join(ROOT, 'test-artifacts/screenshots');
/** Debian's package: the tests never download a browser. */
export const CHROMIUM = process.env.KM_TEST_CHROMIUM ?? '/usr/bin/chromium';

export interface Portal {
  url: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy violations and uncaught errors seen by the page. */
  pageErrors: string[];
  api: AdminApi;
  close(): Promise<void>;
}

/** The public API as a signed-in owner, for arranging data and checking what the portal did. */
export interface AdminApi {
  request(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Response>;
  json<T>(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<T>;
}

async function signInApi(base: string): Promise<AdminApi> {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(OWNER),
  });
  expect(login.status).toBe(200);
  const { csrf_token } = (await login.json()) as { csrf_token: string };
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const request = (method: string, url: string, body?: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}${url}`, {
      method,
      headers: {
        cookie,
        'x-csrf-token': csrf_token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  return {
    request,
    async json<T>(method: string, url: string, body?: unknown, headers?: Record<string, string>) {
      const response = await request(method, url, body, headers);
      const text = await response.text();
      if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${text}`);
      return JSON.parse(text) as T;
    },
  };
}

/** The real built server on a fresh SQLite data directory, and headless Chromium pointed at it. */
export async function startPortal(env: Record<string, string> = {}): Promise<Portal> {
  buildServerAndPortal();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'km-portal-e2e-'));
  let child: ChildProcess | undefined;
  let browser: Browser | undefined;
  try {
    const server = await startServer({
      KM_DATA_DIR: dataDir,
      KM_ADMIN_EMAIL: OWNER.email,
      KM_ADMIN_PASSWORD: OWNER.password,
      KM_CHECKPOINT_INTERVAL_SECONDS: '3600',
      ...env,
    });
    child = server.child;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-dev-shm-usage'],
    });
    const context = await browser.newContext({
      viewport: { width: 1366, height: 860 },
      acceptDownloads: true,
      timezoneId: 'Europe/Paris',
      locale: 'en-GB',
    });
    context.setDefaultTimeout(10_000);
    const page = await context.newPage();
    const pageErrors: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text()))
        pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    const api = await signInApi(server.url);
    const started = { child, browser };
    return {
      url: server.url,
      browser,
      context,
      page,
      pageErrors,
      api,
      async close() {
        await started.browser.close();
        await stopServer(started.child);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await browser?.close();
    if (child) await stopServer(child);
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export async function signIn(portal: Portal, page: Page = portal.page): Promise<void> {
  await page.goto(`${portal.url}/admin/`);
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** A test artefact: test-artifacts/screenshots/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
