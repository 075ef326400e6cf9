/**
 * The ops HTTP API. build() is separate from listen() so tests use inject(). Errors are JSON
 * { error: { code, message } } with a stable code.
 */
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyError } from 'fastify';
import type { Logger } from '../log.js';
import { maskNumber } from '../log.js';
import { normaliseIdentity } from '../siprec/numbers.js';
import { PROVISION_PROBLEMS, normaliseSubscriber, provision } from '../state/provision.js';
import type { SubscriberStore } from '../state/types.js';
import { OpsError, badIdentity, notFound } from './errors.js';
import type { CallDirectory, ReadinessProbe } from './types.js';
import { registerAlertRoutes, type AlertRoutesDeps } from './alert-routes.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerAuth, type AuthOptions } from './auth.js';
import type { NodeRegistry } from '../state/types.js';

export interface OpsDeps {
  calls: CallDirectory;
  /** Absent: the alert routes are not served (tests of the call routes alone). */
  alerts?: Omit<AlertRoutesDeps, 'defaultCountry'>;
  /** Bearer tokens and roles; absent: no auth (CALLGUARD_AUTH=off). */
  auth?: AuthOptions;
  /** Node health for GET /v1/nodes, and how often nodes heartbeat. */
  nodes?: NodeRegistry;
  heartbeatMs?: number;
  /** The redacted configuration for GET /v1/config. */
  configView?: () => unknown;
  /** GET /metrics: Prometheus text. */
  metrics?: { contentType: string; render(): Promise<string> };
  /** Extra route groups (event stream, dashboard) registered after auth. */
  plugins?: Array<(app: FastifyInstance) => void>;
  subscribers: SubscriberStore;
  defaultCountry: string;
  ready: ReadinessProbe;
  logger: Logger;
  nodeId: string;
  now?: () => number;
}

const numberParam = {
  type: 'object',
  required: ['number'],
  // an identity (user@host, 128 at most) percent-encoded
  properties: { number: { type: 'string', minLength: 1, maxLength: 400 } },
} as const;

const subscriberBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: {
    locale: { type: 'string', pattern: '^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$' },
    sms: { type: 'string', minLength: 1, maxLength: 64 },
  },
} as const;

export function buildOpsServer(deps: OpsDeps): FastifyInstance {
  const now = deps.now ?? Date.now;
  const app = Fastify({
    // pino's Logger is fastify's logger; the cast only widens the instance's generic to the default.
    loggerInstance: deps.logger.child({ mod: 'ops' }) as FastifyBaseLogger,
    // Request logs carry URLs, which carry subscriber numbers: keep them out at info level.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1024 * 1024,
    // Unknown fields are an error, not silently dropped (fastify's default strips them).
    ajv: { customOptions: { removeAdditional: false } },
  });

  app.setErrorHandler((err: FastifyError | OpsError, req, reply) => {
    if (err instanceof OpsError) return reply.code(err.statusCode).send({ error: { code: err.code, message: err.message } });
    if ((err as FastifyError).validation) {
      return reply.code(400).send({ error: { code: 'VALIDATION_FAILED', message: err.message } });
    }
    const status = (err as FastifyError).statusCode ?? 500;
    if (status >= 500) req.log.error({ err }, 'ops request failed');
    return reply
      .code(status)
      .send({ error: { code: (err as FastifyError).code ?? 'INTERNAL', message: status >= 500 ? 'internal error' : err.message } });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ error: { code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}` } }),
  );

  if (deps.auth) registerAuth(app, deps.auth);

  app.get('/healthz', async () => ({ status: 'ok', node: deps.nodeId }));
  app.get('/readyz', async (_req, reply) => {
    const r = deps.ready();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not-ready', ...(r.reason ? { reason: r.reason } : {}) });
  });

  app.get('/v1/calls', async () => {
    const calls = await deps.calls.listCalls();
    return { calls, count: calls.length };
  });

  app.get<{ Params: { id: string } }>(
    '/v1/calls/:id',
    { schema: { params: { type: 'object', properties: { id: { type: 'string', maxLength: 128 } } } } },
    async (req) => {
      const call = await deps.calls.getCall(req.params.id);
      if (!call) throw notFound('call');
      return { ...call.summary, state: call.state, snapshot: call.snapshot };
    },
  );

  const toKey = (raw: string): string => {
    let value: string;
    try {
      value = decodeURIComponent(raw);
    } catch {
      throw badIdentity(PROVISION_PROBLEMS['not-an-identity']);
    }
    const n = normaliseIdentity(value, deps.defaultCountry);
    if (!n) throw badIdentity(PROVISION_PROBLEMS['not-an-identity']);
    return n;
  };

  // Provisioning is the one place full numbers are shown: the operator put them there.
  app.get('/v1/subscribers', async () => {
    const subscribers = await deps.subscribers.list();
    return { subscribers, count: subscribers.length };
  });

  app.get<{ Params: { number: string } }>('/v1/subscribers/:number', { schema: { params: numberParam } }, async (req) => {
    const s = await deps.subscribers.get(toKey(req.params.number));
    if (!s) throw notFound('subscriber');
    return s;
  });

  app.put<{ Params: { number: string }; Body: { locale?: string; sms?: string } | null }>(
    '/v1/subscribers/:number',
    { schema: { params: numberParam, body: subscriberBody } },
    async (req, reply) => {
      const number = toKey(req.params.number);
      const existing = await deps.subscribers.get(number);
      const input = { identity: number, ...(req.body?.locale ? { locale: req.body.locale } : {}), ...(req.body?.sms ? { sms: req.body.sms } : {}) };
      const n = normaliseSubscriber(input, deps.defaultCountry, existing?.sms);
      if (!n.ok) throw badIdentity(PROVISION_PROBLEMS[n.problem]);
      const { created, subscriber } = await provision(deps.subscribers, n.value, existing, now());
      req.log.info({ subscriber: maskNumber(number), created }, 'subscriber provisioned');
      return reply.code(created ? 201 : 200).send(subscriber);
    },
  );

  app.delete<{ Params: { number: string } }>('/v1/subscribers/:number', { schema: { params: numberParam } }, async (req, reply) => {
    const number = toKey(req.params.number);
    if (!(await deps.subscribers.delete(number))) throw notFound('subscriber');
    req.log.info({ subscriber: maskNumber(number) }, 'subscriber removed');
    return reply.code(204).send();
  });

  if (deps.alerts) registerAlertRoutes(app, { ...deps.alerts, defaultCountry: deps.defaultCountry });
  registerAdminRoutes(app, {
    ...(deps.nodes ? { nodes: deps.nodes } : {}),
    ...(deps.heartbeatMs ? { heartbeatMs: deps.heartbeatMs } : {}),
    ...(deps.configView ? { config: deps.configView } : {}),
    subscribers: deps.subscribers,
    defaultCountry: deps.defaultCountry,
    now,
  });
  const metrics = deps.metrics;
  if (metrics) app.get('/metrics', async (_req, reply) => reply.header('content-type', metrics.contentType).send(await metrics.render()));
  for (const plugin of deps.plugins ?? []) plugin(app);

  return app;
}
