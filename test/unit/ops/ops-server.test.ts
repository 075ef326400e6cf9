import { afterEach, describe, expect, it } from 'vitest';
import type { CallSummary } from '../../../src/engine/index.js';
import { silentLogger } from '../../../src/log.js';
import { buildOpsServer } from '../../../src/ops/server.js';
import type { CallDirectory } from '../../../src/ops/types.js';
import { MemorySubscriberStore } from '../../../src/state/memory/memory-subscriber-store.js';

const summary: CallSummary = {
  id: 'call-1',
  sipCallId: 'abc@src',
  node: 'n1',
  state: { live: { dialog: 'active', expiry: 'idle' } },
  subscriber: '+12*******23',
  participants: [{ id: 'p1', role: 'subscriber', number: '+12*******23' }],
  streams: [{ index: 0, label: '1', direction: 'sendonly', held: false, codec: 'PCMU/8000', port: 20000 }],
  startedAt: new Date(0).toISOString(),
  refreshes: 0,
  speech: { status: 'off', finals: 0, partials: 0, keyphraseHits: 0 },
  risk: { level: 'none', score: 0, category: 'none', alerted: false },
};

const calls: CallDirectory = {
  listCalls: () => [summary],
  getCall: (id) => (id === 'call-1' ? { summary, state: summary.state, snapshot: { status: 'active', context: {} } } : undefined),
};

function build(ready = true) {
  const subscribers = new MemorySubscriberStore();
  const app = buildOpsServer({
    calls,
    subscribers,
    defaultCountry: 'US',
    ready: () => (ready ? { ready: true } : { ready: false, reason: 'SIP not listening' }),
    logger: silentLogger(),
    nodeId: 'n1',
    now: () => 1000,
  });
  return { app, subscribers };
}

describe('ops API', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('health and readiness', async () => {
    const { app } = build(false);
    close = () => app.close();
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok', node: 'n1' });
    const r = await app.inject('/readyz');
    expect(r.statusCode).toBe(503);
    expect(r.json()).toEqual({ status: 'not-ready', reason: 'SIP not listening' });
  });

  it('lists live calls and shows one with its state and snapshot', async () => {
    const { app } = build();
    close = () => app.close();
    const list = (await app.inject('/v1/calls')).json();
    expect(list.count).toBe(1);
    expect(list.calls[0].id).toBe('call-1');
    const one = await app.inject('/v1/calls/call-1');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ id: 'call-1', state: { live: { dialog: 'active' } }, snapshot: { status: 'active' } });
    const missing = await app.inject('/v1/calls/nope');
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'NOT_FOUND', message: 'call not found' } });
  });

  it('provisions, lists, replaces and removes subscribers, normalising numbers', async () => {
    const { app, subscribers } = build();
    close = () => app.close();
    const created = await app.inject({ method: 'PUT', url: '/v1/subscribers/2125550123', payload: { locale: 'es' } });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toEqual({ number: '+12125550123', locale: 'es', provisionedAt: 1000 });
    expect((await subscribers.filterProvisioned(['+12125550123'])).size).toBe(1);

    const again = await app.inject({ method: 'PUT', url: '/v1/subscribers/%2B12125550123' });
    expect(again.statusCode).toBe(200);
    expect(again.json().locale).toBe('es');

    expect((await app.inject('/v1/subscribers')).json()).toMatchObject({ count: 1, subscribers: [{ number: '+12125550123' }] });
    expect((await app.inject({ method: 'DELETE', url: '/v1/subscribers/+12125550123' })).statusCode).toBe(204);
    expect((await app.inject({ method: 'DELETE', url: '/v1/subscribers/+12125550123' })).statusCode).toBe(404);
    expect(await subscribers.list()).toEqual([]);
  });

  it('provisions identities as the SRC names them, each with the number its SMS goes to', async () => {
    const { app, subscribers } = build();
    close = () => app.close();
    const bw = await app.inject({ method: 'PUT', url: `/v1/subscribers/${encodeURIComponent('sip:86074075017412@as.example;user=phone')}`, payload: { sms: '(212) 555-0123' } });
    expect(bw.statusCode).toBe(201);
    expect(bw.json()).toEqual({ number: '86074075017412', sms: '+12125550123', provisionedAt: 1000 });
    expect((await subscribers.filterProvisioned(['86074075017412'])).size).toBe(1);
    // Re-provisioned without repeating the SMS number: kept.
    const again = await app.inject({ method: 'PUT', url: '/v1/subscribers/86074075017412', payload: { locale: 'fr' } });
    expect(again.json()).toEqual({ number: '86074075017412', sms: '+12125550123', locale: 'fr', provisionedAt: 1000 });
    const user = await app.inject({ method: 'PUT', url: '/v1/subscribers/alice@PBX.example', payload: { sms: '+442071838750' } });
    expect(user.json()).toMatchObject({ number: 'alice@pbx.example', sms: '+442071838750' });
    expect((await app.inject('/v1/subscribers/alice@pbx.example')).statusCode).toBe(200);

    const noSms = await app.inject({ method: 'PUT', url: '/v1/subscribers/8101' });
    expect(noSms.statusCode).toBe(400);
    expect(noSms.json().error).toEqual({ code: 'INVALID_NUMBER', message: 'this identity is not a phone number: give the number its SMS goes to (sms)' });
    const badSms = await app.inject({ method: 'PUT', url: '/v1/subscribers/8101', payload: { sms: '8102' } });
    expect(badSms.statusCode).toBe(400);
    expect(badSms.json().error.message).toMatch(/^sms is not a phone number/);
    expect((await subscribers.filterProvisioned(['8101'])).size).toBe(0);
  });

  it('refuses bad input with a coded JSON error', async () => {
    const { app } = build();
    close = () => app.close();
    const bad = await app.inject({ method: 'PUT', url: '/v1/subscribers/not%20a%20number' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_NUMBER');
    const badBody = await app.inject({ method: 'PUT', url: '/v1/subscribers/2125550123', payload: { locale: 'english!' } });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json().error.code).toBe('VALIDATION_FAILED');
    const extra = await app.inject({ method: 'PUT', url: '/v1/subscribers/2125550123', payload: { admin: true } });
    expect(extra.statusCode).toBe(400);
    const route = await app.inject('/v2/nothing');
    expect(route.statusCode).toBe(404);
    expect(route.json().error.code).toBe('NOT_FOUND');
  });
});
