/**
 * 200 recordings set up and torn down every way a recording ends — BYE (UDP and TCP), CANCEL,
 * session-timer expiry, no ACK, engine hangup, refusal — leave zero actors, zero bound RTP sockets,
 * zero SIP transactions and zero timers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import { requireBinary } from '../support/binaries.js';
import { explain, nativeSip, runSipp, slowSubscriberStore, startTestNode, waitFor } from './support.js';

const haveSipp = requireBinary('sipp', 'sip-tester');
const timeouts = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe.skipIf(!haveSipp)('resource leaks', () => {
  let node: RunningNode;
  beforeAll(async () => {
    // Answers take 400 ms, so a CANCEL sent on 100 Trying lands before the answer — also on a loaded CI
    // machine, where 100 ms let the 200 win the race now and then (sipp then aborts on our BYE).
    const slow = await slowSubscriberStore(400);
    node = await startTestNode({ CALLGUARD_SIP_MIN_SE: '2', CALLGUARD_SIP_T1: '50' }, { subscribers: slow });
  });
  afterAll(async () => {
    await node?.close();
  });

  it('200 calls, every ending, leave nothing behind', { timeout: 90_000 }, async () => {
    const baseline = timeouts();
    const udp = node.addresses.sipUdp!;
    const tcp = node.addresses.sipTcp!;
    // 1. Twenty recordings the engine itself ends, once they are all up.
    const hangups = runSipp({ scenario: 'uac-wait-for-bye.xml', port: udp, calls: 20, rate: 50 });
    await waitFor(() => node.engine.listCalls().length === 20, 20_000);
    for (const c of node.engine.listCalls()) node.engine.hangup(c.id, 'hangup');
    const first = await hangups;
    expect(first.code, explain(first)).toBe(0);

    // 2. 180 more, every other way a recording ends, at once.
    const runs = await Promise.all([
      runSipp({ scenario: 'uac-call-bye.xml', port: udp, calls: 60, rate: 60, keys: { hold_ms: '50' } }),
      runSipp({ scenario: 'uac-call-bye.xml', port: tcp, transport: 'tcp', calls: 40, rate: 40, keys: { hold_ms: '50' } }),
      runSipp({ scenario: 'uac-cancel-expect-487.xml', port: udp, calls: 20, rate: 40 }),
      runSipp({ scenario: 'uac-session-expires-expect-bye.xml', port: udp, calls: 20, rate: 40, keys: { session_expires: '3' } }),
      runSipp({ scenario: 'uac-no-ack-expect-bye.xml', port: udp, calls: 20, rate: 40 }),
      runSipp({
        scenario: 'uac-expect-403-unprovisioned.xml',
        port: udp,
        calls: 20,
        rate: 40,
        keys: { subscriber: '+14155550199', caller: '+13035550111' },
      }),
    ]);
    for (const run of runs) expect(run.code, explain(run)).toBe(0);
    expect(node.engine.counters.offers).toBe(200);

    await waitFor(() => nativeSip(node).stats().transactions === 0 && nativeSip(node).stats().timers === 0, 20_000);
    expect(node.engine.stats()).toEqual({ calls: 0, pendingOffers: 0, rtpPortsInUse: 0 });
    expect(nativeSip(node).stats()).toMatchObject({ dialogs: 0, transactions: 0, timers: 0 });
    await waitFor(() => timeouts() <= baseline, 5_000);
  });
});
