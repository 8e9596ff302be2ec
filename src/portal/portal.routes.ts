import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const PORTAL_PREFIX = '/admin';

/** Where `vite build` writes the portal (web/vite.config.ts), from src/portal or dist/portal alike. */
export const PORTAL_BUILD_DIR = path.resolve(import.meta.dirname, '../../web/dist');

/**
 * The portal's own files only: no inline script or style, no other origin, never framed. React sets
 * styles through the DOM, which style-src does not govern; QR codes are data: images.
 */
export const PORTAL_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', PORTAL_CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('x-frame-options', 'DENY');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cross-origin-opener-policy', 'same-origin');
}

const NOT_BUILT =
  '<!doctype html><title>KeyManager</title><p>The Admin Portal is not built. Run <code>npm run build</code>.</p>';

/**
 * Serves the Admin Portal at /admin: hashed assets cached for a year (their names change with their
 * content), index.html never cached (it names the current assets), and every other /admin path answered
 * with index.html so the browser's router can show it (a reload on /admin/settings/logging works).
 */
export function portalRoutes(buildDir: string = PORTAL_BUILD_DIR) {
  return async function (app: FastifyInstance): Promise<void> {
    const indexFile = path.join(buildDir, 'index.html');
    const built = existsSync(indexFile);
    const indexHtml = built ? readFileSync(indexFile) : null;

    app.addHook('onRequest', async (request, reply) => {
      if (request.url === PORTAL_PREFIX || request.url.startsWith(`${PORTAL_PREFIX}/`))
        securityHeaders(reply);
    });

    function sendIndex(reply: FastifyReply) {
      reply.header('cache-control', 'no-cache');
      reply.type('text/html; charset=utf-8');
      if (!indexHtml) return reply.code(503).send(NOT_BUILT);
      return reply.send(indexHtml);
    }

    if (built) {
      await app.register(fastifyStatic, {
        root: path.join(buildDir, 'assets'),
        prefix: `${PORTAL_PREFIX}/assets/`,
        // Only what the build wrote: an unknown asset is a 404, not the app.
        wildcard: false,
        index: false,
        cacheControl: false,
        setHeaders: (res) => res.setHeader('cache-control', 'public, max-age=31536000, immutable'),
      });
    }

    const hidden = { schema: { hide: true } };
    app.get(PORTAL_PREFIX, hidden, async (_request, reply) => sendIndex(reply));
    app.get(`${PORTAL_PREFIX}/*`, hidden, async (request, reply) => {
      // A missing hashed asset must not be answered with HTML (the browser would run it as a script).
      if (request.url.startsWith(`${PORTAL_PREFIX}/assets/`)) {
        return reply.code(404).type('text/plain').send('Not found');
      }
      return sendIndex(reply);
    });
  };
}
