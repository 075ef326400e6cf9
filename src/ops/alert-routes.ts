/**
 * Alert routes of the ops API: the alert list (masked numbers, no transcript), one alert, retrying a
 * dead letter, and the subscriber's "not a scam" feedback.
 */
import type { FastifyInstance } from 'fastify';
import type { AlertService } from '../alerts/alert-service.js';
import type { AlertQueue, AlertStatus } from '../alerts/types.js';
import { normaliseNumber } from '../siprec/numbers.js';
import { OpsError, badNumber, notFound } from './errors.js';

export interface AlertRoutesDeps {
  queue: AlertQueue;
  service: Pick<AlertService, 'dispute'>;
  defaultCountry: string;
}

const STATUSES: readonly AlertStatus[] = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'dead'];

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 128 } } } as const;

export function registerAlertRoutes(app: FastifyInstance, deps: AlertRoutesDeps): void {
  app.get<{ Querystring: { status?: AlertStatus; limit?: number } }>(
    '/v1/alerts',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          // access_token: the auth hook's query form (EventSource-style clients) must not be a 400 here.
          properties: { status: { type: 'string', enum: [...STATUSES] }, limit: { type: 'integer', minimum: 1, maximum: 1000 }, access_token: { type: 'string' } },
        },
      },
    },
    async (req) => {
      const [alerts, stats] = await Promise.all([
        deps.queue.list({ ...(req.query.status ? { status: req.query.status } : {}), limit: req.query.limit ?? 100 }),
        deps.queue.stats(),
      ]);
      return { alerts, count: alerts.length, stats };
    },
  );

  app.get<{ Params: { id: string } }>('/v1/alerts/:id', { schema: { params: idParams } }, async (req) => {
    const alert = await deps.queue.get(req.params.id);
    if (!alert) throw notFound('alert');
    return alert;
  });

  app.post<{ Params: { id: string } }>('/v1/alerts/:id/retry', { schema: { params: idParams } }, async (req, reply) => {
    const alert = await deps.queue.get(req.params.id);
    if (!alert) throw notFound('alert');
    if (!(await deps.queue.retry(req.params.id))) {
      throw new OpsError(409, 'NOT_DEAD', `alert is ${alert.status}; only dead alerts can be retried`);
    }
    req.log.info({ alertId: alert.id }, 'dead alert re-queued by an operator');
    return reply.code(202).send(await deps.queue.get(req.params.id));
  });

  // A subscriber (through the operator's app or self-care portal) says the alert was wrong.
  app.post<{ Body: { alertId?: string; subscriber?: string } }>(
    '/v1/feedback',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          maxProperties: 1,
          properties: { alertId: { type: 'string', minLength: 1, maxLength: 128 }, subscriber: { type: 'string', minLength: 1, maxLength: 64 } },
        },
      },
    },
    async (req) => {
      let target: { id: string } | { subscriber: string };
      if (req.body.alertId) target = { id: req.body.alertId };
      else {
        const n = normaliseNumber(req.body.subscriber ?? '', deps.defaultCountry);
        if (!n) throw badNumber();
        target = { subscriber: n };
      }
      const record = await deps.service.dispute(target, 'api');
      if (!record) throw notFound('alert');
      return record;
    },
  );
}
