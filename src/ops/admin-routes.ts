/**
 * Cluster and admin routes of the ops API: node health, the redacted configuration, and subscriber
 * bulk import (CSV, all or nothing) and export.
 */
import type { FastifyInstance } from 'fastify';
import { formatSubscriberCsv, parseSubscriberCsv } from '../state/subscriber-csv.js';
import { provision } from '../state/provision.js';
import type { NodeRegistry, SubscriberStore } from '../state/types.js';
import { OpsError } from './errors.js';

export interface AdminRoutesDeps {
  nodes?: NodeRegistry;
  /** How often nodes heartbeat; a node unseen for twice this is unhealthy (the dashboard's rule). */
  heartbeatMs?: number;
  /** The redacted configuration (src/config/redact.ts redactedConfig). */
  config?: () => unknown;
  subscribers: SubscriberStore;
  defaultCountry: string;
  now: () => number;
}

/** Enough for a few hundred thousand subscribers; larger lists are split by the operator. */
const IMPORT_LIMIT_BYTES = 16 * 1024 * 1024;
/** Writes in flight during an import (Redis pipelines them). */
const IMPORT_CONCURRENCY = 200;

export function registerAdminRoutes(app: FastifyInstance, deps: AdminRoutesDeps): void {
  const nodes = deps.nodes;
  if (nodes) {
    app.get('/v1/nodes', async () => {
      const list = await nodes.listNodes();
      return { nodes: list.sort((a, b) => a.id.localeCompare(b.id)), count: list.length, ...(deps.heartbeatMs ? { heartbeatMs: deps.heartbeatMs } : {}) };
    });
  }
  const config = deps.config;
  if (config) app.get('/v1/config', async () => config());

  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: IMPORT_LIMIT_BYTES }, (_req, body, done) => done(null, body));

  app.post<{ Body: string }>('/v1/subscribers/import', { bodyLimit: IMPORT_LIMIT_BYTES }, async (req, reply) => {
    if (typeof req.body !== 'string') throw new OpsError(415, 'UNSUPPORTED_MEDIA_TYPE', 'send the list as text/csv');
    const parsed = parseSubscriberCsv(req.body, deps.defaultCountry);
    // All or nothing: a list with a bad line is refused whole, so nothing is half-provisioned.
    if (parsed.errors.length > 0) {
      return reply.code(400).send({
        error: { code: 'INVALID_CSV', message: `${parsed.errors.length} line(s) are invalid; nothing was imported` },
        errors: parsed.errors.slice(0, 100),
      });
    }
    const at = deps.now();
    let created = 0;
    for (let i = 0; i < parsed.subscribers.length; i += IMPORT_CONCURRENCY) {
      const chunk = parsed.subscribers.slice(i, i + IMPORT_CONCURRENCY);
      const results = await Promise.all(
        chunk.map(async (s) => {
          const existing = await deps.subscribers.get(s.number);
          return (await provision(deps.subscribers, s, existing, at)).created;
        }),
      );
      created += results.filter(Boolean).length;
    }
    req.log.info({ imported: parsed.subscribers.length, created }, 'subscribers imported');
    return { imported: parsed.subscribers.length, created, updated: parsed.subscribers.length - created };
  });

  app.get('/v1/subscribers/export', async (req, reply) => {
    const list = await deps.subscribers.list();
    req.log.info({ count: list.length }, 'subscribers exported');
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', 'attachment; filename="subscribers.csv"')
      .send(formatSubscriberCsv(list));
  });
}
