import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PORTAL_CSP, portalRoutes } from './portal.routes.js';

const INDEX = '<!doctype html><script type="module" src="/admin/assets/index-abc123.js"></script>';

describe('serving the Admin Portal at /admin', () => {
  let dir: string;
  let app: FastifyInstance;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'km-portal-build-'));
    mkdirSync(path.join(dir, 'assets'));
    writeFileSync(path.join(dir, 'index.html'), INDEX);
    writeFileSync(path.join(dir, 'assets/index-abc123.js'), 'console.log(1)');
    app = Fastify();
    await app.register(portalRoutes(dir));
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each(['/admin', '/admin/', '/admin/settings/logging', '/admin/analytics/api-logs/failures?status=4xx'])(
    'answers %s with the app, never cached, under the strict policy',
    async (url) => {
      const response = await app.inject({ url });
      expect(response.statusCode).toBe(200);
      expect(response.body).toBe(INDEX);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(response.headers['cache-control']).toBe('no-cache');
      expect(response.headers['content-security-policy']).toBe(PORTAL_CSP);
      expect(response.headers['x-frame-options']).toBe('DENY');
    },
  );

  it('serves hashed assets for a year, and a missing asset as 404 rather than the app', async () => {
    const asset = await app.inject({ url: '/admin/assets/index-abc123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toContain('javascript');
    const missing = await app.inject({ url: '/admin/assets/index-old999.js' });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).not.toContain('<!doctype');
  });

  it('allows no inline script or style and no other origin', () => {
    expect(PORTAL_CSP).toContain("script-src 'self'");
    expect(PORTAL_CSP).toContain("style-src 'self'");
    expect(PORTAL_CSP).toContain("frame-ancestors 'none'");
    expect(PORTAL_CSP).not.toContain('unsafe');
  });

  it('says how to build the portal when it is not built', async () => {
    const bare = Fastify();
    await bare.register(portalRoutes(path.join(dir, 'nothing-here')));
    const response = await bare.inject({ url: '/admin/licenses' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toContain('npm run build');
    await bare.close();
  });
});
