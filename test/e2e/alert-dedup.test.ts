/**
 * One SMS per recorded call, whatever the SRC does: two callguard nodes sharing a real redis-server,
 * both sending through a real SMPP test SMSC. A scripted recognizer makes the caller say a scam line,
 * so the real local analyzer and escalation policy raise the alert; the SMSC counts submit_sm.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import type { SimulationOptions } from '../../src/simulate/types.js';
import { ScamLineFactory } from '../support/scam-line-recognizer.js';
import { requireBinary } from '../support/binaries.js';
import { CALLER, SUBSCRIBER, simulateCall, startSharedBackends, startTestNode, waitFor, type SharedBackends } from './support.js';


const ready = requireBinary('redis-server', 'redis-server');

describe.skipIf(!ready)('alert deduplication across re-INVITEs, forks, nodes and failover', () => {
  let backends: SharedBackends;
  let a: RunningNode;
  let b: RunningNode;

  beforeAll(async () => {
    backends = await startSharedBackends();
    const env = {
      ...backends.env,
      CALLGUARD_ALERT_BACKOFF_MS: '100',
      CALLGUARD_ALERT_MAX_PER_HOUR: '100',
    };
    a = await startTestNode({ ...env, CALLGUARD_NODE_ID: 'node-a' }, { speech: new ScamLineFactory() });
    b = await startTestNode({ ...env, CALLGUARD_NODE_ID: 'node-b' }, { speech: new ScamLineFactory() });
    await backends.smsc.waitForBound(2);
  }, 30_000);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await backends?.close();
  });

  const call = (node: RunningNode, extra: Partial<SimulationOptions> = {}) => simulateCall(node, { duration: 2, ...extra });

  const duplicates = async (node: RunningNode) => (await node.alertQueue.stats()).duplicates;
  const until = (cond: () => Promise<boolean>, ms = 10_000) => waitFor(cond, ms, 50);

  it('a call with re-INVITEs (hold, resume) sends one SMS, with the masked caller number', async () => {
    const before = backends.smsc.messages().length;
    const r = await call(a, { holdAt: 0.8, resumeAt: 1.0, duration: 2 });
    expect(r.answered).toBe(true);
    await waitFor(() => backends.smsc.messages().length > before, 10_000);
    await new Promise((res) => setTimeout(res, 500));
    const got = backends.smsc.messages().slice(before);
    expect(got).toHaveLength(1);
    expect(got[0]!.to.replace(/^\+/, '')).toBe(SUBSCRIBER.replace(/^\+/, ''));
    expect(got[0]!.text).not.toContain(CALLER.slice(1));
    expect(got[0]!.text).toContain(CALLER.slice(-2));
    expect(a.engine.alerts.length).toBe(1);
  });

  it('the same recording forked to both nodes at once sends one SMS, and the duplicate is counted', async () => {
    const before = backends.smsc.messages().length;
    const dupBefore = await duplicates(a);
    const groupId = 'Zm9yay10ZXN0LWdyb3VwLTAx';
    const [r1, r2] = await Promise.all([call(a, { groupId }), call(b, { groupId })]);
    expect(r1.answered && r2.answered).toBe(true);
    await until(async () => (await duplicates(a)) > dupBefore);
    await waitFor(() => backends.smsc.messages().length > before, 10_000);
    await new Promise((res) => setTimeout(res, 500));
    expect(backends.smsc.messages().length - before).toBe(1);
    // Both actors decided to warn; the shared dedup key let one SMS through.
    expect(await duplicates(b)).toBeGreaterThan(dupBefore);
  });

  it('an SRC failing over to the other node with the same recording sends no second SMS', async () => {
    const before = backends.smsc.messages().length;
    const groupId = 'ZmFpbG92ZXItZ3JvdXAtMDI=';
    await call(a, { groupId });
    await waitFor(() => backends.smsc.messages().length > before, 10_000);
    await call(b, { groupId });
    await new Promise((res) => setTimeout(res, 1000));
    expect(backends.smsc.messages().length - before).toBe(1);
    const listed = await b.alertQueue.list({ limit: 50 });
    expect(listed.filter((x) => x.status === 'sent' || x.status === 'delivered').length).toBeGreaterThanOrEqual(3);
  });

  it('a different recording for the same subscriber is a new call and gets its own SMS', async () => {
    const before = backends.smsc.messages().length;
    await call(b);
    await waitFor(() => backends.smsc.messages().length > before, 10_000);
    expect(backends.smsc.messages().length - before).toBe(1);
  });

  it('a delivery receipt and a "NOTSCAM" reply reach the alert, whichever node the SMSC hands them to', async () => {
    const [latest] = await a.alertQueue.list({ limit: 1 });
    expect(latest?.messageIds.length).toBeGreaterThan(0);
    await backends.smsc.sendReceipt(latest!.messageIds[0]!);
    await until(async () => (await b.alertQueue.get(latest!.id))?.status === 'delivered');
    expect((await a.alertQueue.get(latest!.id))?.receipts[0]).toMatchObject({ status: 'delivered', detail: 'DELIVRD' });

    await backends.smsc.sendInbound(SUBSCRIBER, 'not scam.');
    await until(async () => (await a.alertQueue.get(latest!.id))?.disputed !== undefined);
    expect((await b.alertQueue.get(latest!.id))?.disputed?.via).toBe('sms');
    expect((await a.alertQueue.stats()).disputed).toBe(1);

    // The same through the ops API of the other node, by alert id; visible in GET /v1/alerts.
    const [, older] = await b.alertQueue.list({ status: 'sent', limit: 5 });
    const res = await b.ops.inject({ method: 'POST', url: '/v1/feedback', payload: { alertId: older!.id } });
    expect(res.statusCode).toBe(200);
    const listed = (await a.ops.inject({ method: 'GET', url: '/v1/alerts?limit=20' })).json() as { alerts: Array<{ id: string; disputed?: { via: string }; subscriber: string }>; stats: { disputed: number } };
    expect(listed.alerts.find((x) => x.id === older!.id)?.disputed?.via).toBe('api');
    expect(listed.stats.disputed).toBe(2);
    // Masked numbers only.
    expect(JSON.stringify(listed)).not.toContain(SUBSCRIBER.slice(1));
  });
});
