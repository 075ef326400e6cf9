/**
 * sipp (Debian sip-tester) as the real SRC against a callguard node: the SIPREC flows an SBC
 * drives, over UDP and TCP.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import { requireBinary } from '../support/binaries.js';
import { explain, nativeSip, runSipp, slowSubscriberStore, startTestNode, waitFor } from './support.js';

const haveSipp = requireBinary('sipp', 'sip-tester');

const portFor = (node: RunningNode, transport: 'udp' | 'tcp'): number =>
  (transport === 'tcp' ? node.addresses.sipTcp : node.addresses.sipUdp) as number;

describe.skipIf(!haveSipp)('SIPREC with sipp as the SRC', () => {
  let node: RunningNode;
  beforeAll(async () => {
    node = await startTestNode({ CALLGUARD_SIP_MIN_SE: '2' });
  });
  afterAll(async () => {
    await node?.close();
  });
  afterEach(async () => {
    // Every scenario leaves nothing behind.
    await waitFor(() => node.engine.stats().calls === 0 && node.engine.stats().rtpPortsInUse === 0);
  });

  for (const transport of ['udp', 'tcp'] as const) {
    it(`INVITE → 200 (answer checked) → ACK → hold → resume → metadata UPDATE → BYE over ${transport}`, async () => {
      const before = node.engine.counters.offers;
      const run = await runSipp({ scenario: 'uac-siprec-full-dialog.xml', port: portFor(node, transport), transport });
      expect(run.code, explain(run)).toBe(0);
      expect(node.engine.counters.offers - before).toBe(1);
    });
  }

  it('sends BYE when the SRC stops refreshing the session (RFC 4028)', async () => {
    const t0 = Date.now();
    const run = await runSipp({
      scenario: 'uac-session-expires-expect-bye.xml',
      port: node.addresses.sipUdp!,
      keys: { session_expires: '3' },
    });
    expect(run.code, explain(run)).toBe(0);
    // 3 s interval, BYE min(32, 1) s before expiry: about 2 s after the call started.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
  });

  it('refuses a recording with no provisioned subscriber: 403', async () => {
    const run = await runSipp({
      scenario: 'uac-expect-403-unprovisioned.xml',
      port: node.addresses.sipUdp!,
      keys: { subscriber: '+14155550199', caller: '+13035550111' },
    });
    expect(run.code, explain(run)).toBe(0);
  });

  it('answers a malformed SIPREC body with 400', async () => {
    const run = await runSipp({ scenario: 'uac-malformed-body-expect-400.xml', port: node.addresses.sipUdp! });
    expect(run.code, explain(run)).toBe(0);
  });

  it('answers OPTIONS with 200 and Allow, over UDP and TCP', async () => {
    for (const transport of ['udp', 'tcp'] as const) {
      const run = await runSipp({ scenario: 'uac-options.xml', port: portFor(node, transport), transport });
      expect(run.code, explain(run)).toBe(0);
    }
  });

  it('sends BYE when the engine ends a call', async () => {
    const sipp = runSipp({ scenario: 'uac-wait-for-bye.xml', port: node.addresses.sipUdp! });
    await waitFor(() => node.engine.listCalls().length === 1);
    const [call] = node.engine.listCalls();
    expect(node.engine.hangup(call!.id, 'hangup')).toBe(true);
    const run = await sipp;
    expect(run.code, explain(run)).toBe(0);
  });
});

describe.skipIf(!haveSipp)('subscribers as the SRC names them: a BroadWorks 3-way conference', () => {
  const USER = '86074075017412'; // BroadWorks' 14-digit user: not E.164, no +
  let node: RunningNode;
  beforeAll(async () => {
    // Provisioned as the README tells operators to: `identity=sms`, besides an ordinary number.
    node = await startTestNode({ CALLGUARD_SUBSCRIBERS: `+14155550123,${USER}=+12125550188` });
  });
  afterAll(async () => {
    await node?.close();
  });

  /** Runs the scenario and reads the live call while sipp holds it; sipp is always awaited, also when the read fails. */
  async function during(keys: Record<string, string>, read: () => boolean) {
    const sipp = runSipp({ scenario: 'uac-broadworks-3way.xml', port: node.addresses.sipUdp!, keys });
    const seen = waitFor(read).then(
      () => node.engine.listCalls()[0],
      () => undefined,
    );
    const [run, call] = await Promise.all([sipp, seen]);
    return { run, call };
  }

  it('answers, follows the conference UPDATE, and protects the 14-digit user', async () => {
    const { run, call } = await during({ user: USER, extension: '8101', caller: '+13035550111', hold_ms: '1500' }, () => node.engine.listCalls()[0]?.participants.length === 3);
    expect(run.code, explain(run)).toBe(0);
    expect(call?.subscriber).toBe('86**********12');
    expect(call?.participants.map((p) => [p.role, p.number])).toEqual([
      ['subscriber', '86**********12'],
      ['caller', '****'],
      ['caller', '+13*******11'],
    ]);
  });

  it('an extension provisioned by identity is protected too; an unprovisioned one gets 403', async () => {
    await node.subscribers.put({ number: '8101', sms: '+12125550199', provisionedAt: 0 });
    const { run, call } = await during({ user: '86074075017499', extension: '8101', caller: '+13035550111', hold_ms: '500' }, () => node.engine.listCalls().length === 1);
    expect(run.code, explain(run)).toBe(0);
    expect(call?.participants.find((p) => p.role === 'subscriber')?.number).toBe('****');
    await node.subscribers.delete('8101');
    const refused = await runSipp({ scenario: 'uac-expect-403-unprovisioned.xml', port: node.addresses.sipUdp!, keys: { subscriber: '86074075017499', caller: '8102' } });
    expect(refused.code, explain(refused)).toBe(0);
  });
});

describe.skipIf(!haveSipp)('while the answer is pending', () => {
  let node: RunningNode;
  beforeAll(async () => {
    // A subscriber store that answers slowly (as Redis under load might) leaves time to CANCEL.
    const slow = await slowSubscriberStore(400);
    node = await startTestNode({}, { subscribers: slow });
  });
  afterAll(async () => {
    await node?.close();
  });

  it('200 to the CANCEL, 487 to the INVITE, and nothing left allocated', async () => {
    const run = await runSipp({ scenario: 'uac-cancel-expect-487.xml', port: node.addresses.sipUdp! });
    expect(run.code, explain(run)).toBe(0);
    await waitFor(() => node.engine.stats().pendingOffers === 0);
    expect(node.engine.stats()).toMatchObject({ calls: 0, rtpPortsInUse: 0 });
  });

  it('keeps one dialog and one actor when the INVITE is retransmitted over UDP', async () => {
    const offers = node.engine.counters.offers;
    const absorbed = nativeSip(node).stats().retransmissionsAbsorbed;
    const seen = new Set<string>();
    const timer = setInterval(() => node.engine.listCalls().forEach((c) => seen.add(c.id)), 5);
    const run = await runSipp({ scenario: 'uac-invite-retransmitted.xml', port: node.addresses.sipUdp!, keys: { hold_ms: '100' } });
    clearInterval(timer);
    expect(run.code, explain(run)).toBe(0);
    expect(node.engine.counters.offers - offers).toBe(1);
    expect(seen.size).toBe(1);
    // Both copies were absorbed by the INVITE server transaction (RFC 3261 §17.2.1).
    expect(nativeSip(node).stats().retransmissionsAbsorbed - absorbed).toBeGreaterThanOrEqual(2);
  });
});
