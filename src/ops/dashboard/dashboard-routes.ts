/**
 * GET /dashboard (+ app.js, app.css): the operations page. The three assets are public (they hold no
 * data); the page itself asks for the ops token and sends it to the API routes.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { DASHBOARD_HTML } from './page.js';
import { DASHBOARD_JS } from './script.js';
import { DASHBOARD_CSS } from './style.js';

/**
 * No inline script or style: the page's only code is app.js from this origin, so a datum that
 * slipped into the DOM as markup still could not run. img-src allows data: for the empty favicon.
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  path: string;
  type: string;
  body: string;
  etag: string;
}

const asset = (path: string, type: string, body: string): Asset => ({
  path,
  type,
  body,
  // Strong ETag of the content: `no-cache` revalidates on every load, and a 304 keeps that cheap.
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
});

const ASSETS: readonly Asset[] = [
  asset('/dashboard', 'text/html; charset=utf-8', DASHBOARD_HTML),
  asset('/dashboard/app.js', 'text/javascript; charset=utf-8', DASHBOARD_JS),
  asset('/dashboard/app.css', 'text/css; charset=utf-8', DASHBOARD_CSS),
];

export function registerDashboard(app: FastifyInstance): void {
  for (const a of ASSETS) {
    app.get(a.path, async (req, reply) => {
      reply
        .header('cache-control', 'no-cache')
        .header('etag', a.etag)
        .header('content-security-policy', DASHBOARD_CSP)
        .header('x-content-type-options', 'nosniff')
        // The EventSource URL carries the token; never let it leave in a Referer.
        .header('referrer-policy', 'no-referrer');
      if (req.headers['if-none-match'] === a.etag) return reply.code(304).send();
      return reply.type(a.type).send(a.body);
    });
  }
}
