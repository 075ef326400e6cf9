/** The alert routes over a real in-process queue: list (masked), one alert, dead-letter retry, feedback. */
import { afterEach, describe, expect, it } from 'vitest';
import { AlertService, alertSender } from '../../../src/alerts/alert-service.js';
import { createAlertQueue } from '../../../src/alerts/queue/index.js';
import { SmsError, type AlertQueue, type SmsMessage, type SmsProvider } from '../../../src/alerts/types.js';
import type { EngineAlert } from '../../../src/engine/index.js';
import { silentLogger } from '../../../src/log.js';
import { buildOpsServer } from '../../../src/ops/server.js';
import { MemorySubscriberStore } from '../../../src/state/memory/memory-subscriber-store.js';

const SUBSCRIBER = '+12125550123';

/** Rejects the recipient permanently until `accept` is set, as an SMSC with a bad route would. */
class SwitchableProvider implements SmsProvider {
  readonly name = 'console' as const;
  accept = false;
  sent: SmsMessage[] = [];
  async send(m: SmsMessage) {
    if (!this.accept) throw new SmsError('invalid destination', false, 'ESME_RINVDSTADR');
    this.sent.push(m);
    return { messageIds: [`m-${this.sent.length}`], segments: 1 };
  }
  async close() {}
}

const alert = (recording: string): EngineAlert => ({
  callId: `call-${recording}`,
  subscriber: SUBSCRIBER,
  recording,
  caller: '+13035551000',
  raisedAt: 1,
  level: 'high',
  score: 0.92,
  category: 'government',
  tactics: ['impersonation', 'payment'],
  explanation: 'The caller claims to be from the IRS and demands payment in gift cards.',
  analyzer: 'local',
});

describe('ops alert routes', () => {
  let queue: AlertQueue | undefined;
  afterEach(async () => queue?.close(100));

  async function build() {
    const provider = new SwitchableProvider();
    const brand = { name: 'Acme', senderId: 'Acme', replyKeyword: 'NOTSCAM' };
    queue = createAlertQueue({ sender: alertSender(provider, { brand, defaultLocale: 'en' }), logger: silentLogger(), nodeId: 'n1', backoffMs: 10 });
    const subscribers = new MemorySubscriberStore();
    await subscribers.put({ number: SUBSCRIBER, locale: 'es', provisionedAt: 0 });
    const service = new AlertService(queue, subscribers, { brand, defaultLocale: 'en', nodeId: 'n1', defaultCountry: 'US', logger: silentLogger() });
    const app = buildOpsServer({
      calls: { listCalls: () => [], getCall: () => undefined },
      alerts: { queue, service },
      subscribers,
      defaultCountry: 'US',
      ready: () => ({ ready: true }),
      logger: silentLogger(),
      nodeId: 'n1',
    });
    return { app, provider, service, queue, subscribers };
  }

  const until = async (cond: () => Promise<boolean>) => {
    for (let i = 0; i < 200 && !(await cond()); i++) await new Promise((r) => setTimeout(r, 10));
    expect(await cond()).toBe(true);
  };

  it('lists a dead letter with masked numbers, retries it on request, and it is then sent in the subscriber\'s language', async () => {
    const { app, provider, service, queue: q } = await build();
    const r = await service.enqueue(alert('g1'));
    expect(r.accepted).toBe(true);
    await until(async () => (await q.get(r.id))?.status === 'dead');

    const list = await app.inject({ method: 'GET', url: '/v1/alerts?status=dead' });
    expect(list.statusCode).toBe(200);
    const body = list.json() as { alerts: Array<Record<string, unknown>>; count: number; stats: { dead: number } };
    expect(body.count).toBe(1);
    expect(body.stats.dead).toBe(1);
    expect(body.alerts[0]).toMatchObject({ id: r.id, status: 'dead', attempts: 1, lastError: expect.stringContaining('invalid destination') });
    expect(JSON.stringify(body)).not.toContain('2125550123');
    expect(JSON.stringify(body)).not.toContain('3035551000');

    provider.accept = true;
    const retry = await app.inject({ method: 'POST', url: `/v1/alerts/${r.id}/retry` });
    expect(retry.statusCode).toBe(202);
    await until(async () => (await q.get(r.id))?.status === 'sent');
    expect(provider.sent).toHaveLength(1);
    expect(provider.sent[0]).toMatchObject({ to: SUBSCRIBER, from: 'Acme', reference: r.id });
    expect(provider.sent[0]!.text).toMatch(/fraude|estafa/i);

    // Only dead letters can be retried; unknown ids are 404.
    expect((await app.inject({ method: 'POST', url: `/v1/alerts/${r.id}/retry` })).statusCode).toBe(409);
    expect((await app.inject({ method: 'POST', url: '/v1/alerts/nope/retry' })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: `/v1/alerts/${r.id}` })).json()).toMatchObject({ status: 'sent' });
  });

  it('a second alert for the same recording is a counted no-op', async () => {
    const { service, queue: q, provider } = await build();
    provider.accept = true;
    const first = await service.enqueue(alert('same'));
    const second = await service.enqueue({ ...alert('same'), callId: 'call-other-node' });
    expect(first.accepted).toBe(true);
    expect(second).toEqual({ accepted: false, reason: 'duplicate', id: first.id });
    await until(async () => (await q.get(first.id))?.status === 'sent');
    expect((await q.stats()).duplicates).toBe(1);
    expect(provider.sent).toHaveLength(1);
  });

  it('feedback marks the subscriber\'s alert disputed, by number or by id, and rejects bad bodies', async () => {
    const { app, service, queue: q, provider } = await build();
    provider.accept = true;
    const r = await service.enqueue(alert('fb'));
    await until(async () => (await q.get(r.id))?.status === 'sent');
    const res = await app.inject({ method: 'POST', url: '/v1/feedback', payload: { subscriber: '(212) 555-0123' } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: r.id, disputed: { via: 'api' } });
    expect((await q.stats()).disputed).toBe(1);
    expect((await app.inject({ method: 'POST', url: '/v1/feedback', payload: { alertId: 'unknown' } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url: '/v1/feedback', payload: {} })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/v1/feedback', payload: { alertId: r.id, subscriber: SUBSCRIBER } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/v1/feedback', payload: { subscriber: 'hello' } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'GET', url: '/v1/alerts?status=bogus' })).statusCode).toBe(400);
  });

  it('sends a subscriber provisioned by identity the SMS at the number on record, and counts their rate there', async () => {
    const { provider, service, queue: q, subscribers } = await build();
    provider.accept = true;
    await subscribers.put({ number: '86074075017412', sms: '+12125550188', provisionedAt: 0 });
    const r = await service.enqueue({ ...alert('bw1'), subscriber: '86074075017412' });
    expect(r.accepted).toBe(true);
    await until(async () => (await q.get(r.id))?.status === 'sent');
    expect(provider.sent.map((m) => m.to)).toEqual(['+12125550188']);
    // A second recording of the same identity is deduplicated by identity, not by SMS number.
    expect((await service.enqueue({ ...alert('bw1'), subscriber: '86074075017412' })).accepted).toBe(false);
    // An identity with no SMS number on record is refused loudly rather than texted.
    await expect(service.enqueue({ ...alert('bw2'), subscriber: '8101' })).rejects.toThrow(/no SMS number/);
  });
});
