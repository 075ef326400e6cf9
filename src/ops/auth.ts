/**
 * Bearer-token auth for the ops API, as a fastify onRequest hook. Two roles: `reader` sees calls,
 * alerts, nodes, events and metrics; `admin` also changes things (subscribers, retries, feedback) and
 * sees the configuration. Probes and the dashboard's static files are open (they carry no data). The
 * token may come as `Authorization: Bearer …` or, for EventSource which cannot set headers, as
 * `?access_token=…`.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OpsError } from './errors.js';

export type Role = 'reader' | 'admin';
export type Access = 'public' | Role;

export interface AuthOptions {
  tokens: ReadonlyArray<{ role: Role; token: string }>;
}

const READER_PATHS = [/^\/v1\/calls(?:\/|$)/, /^\/v1\/alerts(?:\/[^/]+)?$/, /^\/v1\/events$/, /^\/v1\/nodes$/, /^\/metrics$/];
const PUBLIC_PATHS = [/^\/healthz$/, /^\/readyz$/, /^\/dashboard(?:\/[\w.-]+)?$/];

/** What a request needs. Anything not listed (including unknown routes) needs admin. */
export function requiredAccess(method: string, path: string): Access {
  if (PUBLIC_PATHS.some((r) => r.test(path))) return 'public';
  if ((method === 'GET' || method === 'HEAD') && READER_PATHS.some((r) => r.test(path))) return 'reader';
  return 'admin';
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function registerAuth(app: FastifyInstance, options: AuthOptions): void {
  // Compare digests in constant time: the token's length and prefix leak nothing.
  const known = options.tokens.map((t) => ({ role: t.role, digest: digest(t.token) }));
  const roleOf = (token: string): Role | undefined => {
    const d = digest(token);
    let found: Role | undefined;
    for (const k of known) if (timingSafeEqual(k.digest, d) && found !== 'admin') found = k.role;
    return found;
  };

  app.addHook('onRequest', async (req: FastifyRequest, reply) => {
    const path = req.url.split('?')[0] ?? req.url;
    const need = requiredAccess(req.method, path);
    if (need === 'public') return;
    const token = tokenOf(req);
    if (!token) {
      void reply.header('www-authenticate', 'Bearer realm="callguard"');
      throw new OpsError(401, 'UNAUTHENTICATED', 'a bearer token is required (Authorization: Bearer …)');
    }
    const role = roleOf(token);
    if (!role) {
      void reply.header('www-authenticate', 'Bearer realm="callguard", error="invalid_token"');
      throw new OpsError(401, 'UNAUTHENTICATED', 'unknown token');
    }
    if (need === 'admin' && role !== 'admin') throw new OpsError(403, 'FORBIDDEN', 'this needs an admin token');
  });
}

function tokenOf(req: FastifyRequest): string | undefined {
  const h = req.headers.authorization;
  if (h) {
    const m = /^Bearer\s+(\S+)$/i.exec(h);
    return m?.[1];
  }
  const q = (req.query as Record<string, unknown> | undefined)?.access_token;
  return typeof q === 'string' && q.length > 0 ? q : undefined;
}
