/**
 * Transaction-layer behaviour seen from a UAC over real sockets: retransmission absorption,
 * 2xx retransmission until ACK (RFC 3261 §13.3.1.4), ACK timeout, CANCEL (§9.2), Timer G.
 */
import { describe, expect, it } from 'vitest';
import type { NativeSessionServerOptions } from '../../../src/sip/native/native-session-server.js';
import type { OfferAnswer } from '../../../src/sip/types.js';
import {
  ackFor,
  ANSWER_SDP,
  deferred,
  OFFER_SDP,
  rand,
  sipRequest,
  sipResponseTo,
  sleep,
  tagOf,
  TcpUac,
  type RequestSpec,
} from './scripted-uac.js';
import { useTestServers } from './test-server.js';

const servers = useTestServers();

async function setup(opts: Partial<NativeSessionServerOptions> = {}, transport: 'udp' | 'tcp' = 'udp') {
  const { server, handler } = await servers.server(opts);
  const uac = transport === 'udp' ? await servers.udpUac(server) : await servers.tcpUac(server);
  return { server, handler, uac };
}

function inviteSpec(uac: { transport: 'udp' | 'tcp'; port: number }): RequestSpec {
  return { method: 'INVITE', uac, callId: `c-${rand()}`, fromTag: rand(), branch: `z9hG4bK${rand()}`, cseq: 1, body: OFFER_SDP };
}

describe('INVITE server transaction', () => {
  it('absorbs a 3x retransmitted INVITE: offer called once, same To tag everywhere', async () => {
    const { handler, uac, server } = await setup();
    const answer = deferred<OfferAnswer>();
    handler.onOffer = () => answer.promise;
    const invite = inviteSpec(uac);
    const bytes = sipRequest(invite);
    uac.send(bytes);
    await uac.response(100);
    uac.send(bytes);
    uac.send(bytes);
    // While the handler holds the offer, each retransmission re-sends 100 Trying.
    await uac.response(100);
    await uac.response(100);
    answer.resolve({ ok: true, sdp: ANSWER_SDP });
    const ok = await uac.response(200);
    uac.send(bytes); // a retransmission after the 2xx re-sends the 2xx (RFC 6026 Accepted)
    const again = await uac.response(200);
    expect(tagOf(again.header('to'))).toBe(tagOf(ok.header('to')));
    expect(again.raw.equals(ok.raw)).toBe(true);
    expect(handler.offers).toHaveLength(1);
    expect(server.stats().responsesByCode[100]).toBe(1);
    expect(server.stats().responsesByCode[200]).toBe(1);
  });

  it('retransmits the 2xx with T1 doubling until the ACK, then stops', async () => {
    const { uac } = await setup();
    const invite = inviteSpec(uac);
    uac.send(sipRequest(invite));
    const ok = await uac.response(200);
    // T1 = 20 ms: retransmissions at ~20, 60, 140 ms.
    await uac.response(200, 'INVITE', 500);
    await uac.response(200, 'INVITE', 500);
    uac.send(ackFor(invite, ok, false));
    await sleep(30);
    uac.drain();
    await sleep(400);
    expect(uac.peek((m) => m.status === 200)).toHaveLength(0);
  });

  it('with no ACK within 64*T1 sends BYE and reports ended(ack-timeout)', async () => {
    const { uac, handler, server } = await setup({ timers: { t1: 10, t2: 80, t4: 100 } });
    const invite = inviteSpec(uac);
    uac.send(sipRequest(invite));
    const ok = await uac.response(200);
    const bye = await uac.request('BYE', 2000);
    expect(bye.header('call-id')).toBe(invite.callId);
    expect(tagOf(bye.header('from'))).toBe(tagOf(ok.header('to')));
    expect(handler.endings).toEqual([{ id: handler.offers[0]?.session.id, reason: 'ack-timeout' }]);
    // Several 2xx retransmissions went out before giving up.
    expect(uac.received.filter((m) => m.status === 200).length).toBeGreaterThan(3);
    uac.send(sipResponseTo(bye, 200, 'OK'));
    await sleep(50);
    expect(server.stats().dialogs).toBe(0);
  });

  it('CANCEL before the answer: 200 to CANCEL, 487 to INVITE, ended(cancel); ACK absorbed; late 2xx never sent', async () => {
    const { uac, handler, server } = await setup();
    const answer = deferred<OfferAnswer>();
    handler.onOffer = () => answer.promise;
    const invite = inviteSpec(uac);
    uac.send(sipRequest(invite));
    await uac.response(100);
    uac.send(sipRequest({ ...invite, method: 'CANCEL', body: undefined }));
    const cancelOk = await uac.response(200, 'CANCEL');
    const terminated = await uac.response(487, 'INVITE');
    expect(tagOf(cancelOk.header('to'))).toBe(tagOf(terminated.header('to')));
    expect(handler.endings).toEqual([{ id: handler.offers[0]?.session.id, reason: 'cancel' }]);
    uac.send(ackFor(invite, terminated, true));
    // The engine answers late with a 2xx: it must not be sent.
    answer.resolve({ ok: true, sdp: ANSWER_SDP });
    await sleep(300);
    expect(uac.received.filter((m) => m.status === 200 && m.header('cseq')?.endsWith('INVITE'))).toHaveLength(0);
    // ACK absorbed: Timer G stopped re-sending the 487 and the ACK got no response.
    expect(uac.received.filter((m) => m.status === 487)).toHaveLength(1);
    expect(handler.endings).toHaveLength(1);
    expect(server.stats().responsesByCode[487]).toBe(1);
  });

  it('retransmits a failure response with Timer G until the ACK', async () => {
    const { uac, handler } = await setup();
    handler.onOffer = async () => ({ ok: false, status: 486, reason: 'Busy Here' });
    const invite = inviteSpec(uac);
    uac.send(sipRequest(invite));
    const first = await uac.response(486);
    await uac.response(486, 'INVITE', 500);
    await uac.response(486, 'INVITE', 500);
    uac.send(ackFor(invite, first, true));
    await sleep(30);
    uac.drain();
    await sleep(300);
    expect(uac.peek((m) => m.status === 486)).toHaveLength(0);
  });

  it('CANCEL for an unknown transaction gets 481', async () => {
    const { uac } = await setup();
    uac.send(sipRequest({ ...inviteSpec(uac), method: 'CANCEL', body: undefined }));
    await uac.response(481, 'CANCEL');
  });

  it('absorbs a retransmitted BYE (same branch) with the same 200', async () => {
    const { uac, handler } = await setup();
    const invite = inviteSpec(uac);
    uac.send(sipRequest(invite));
    const ok = await uac.response(200);
    uac.send(ackFor(invite, ok, false));
    const bye = sipRequest({ ...invite, method: 'BYE', branch: `z9hG4bK${rand()}`, cseq: 2, body: undefined, toTag: tagOf(ok.header('to')) });
    uac.send(bye);
    await uac.response(200, 'BYE');
    uac.send(bye);
    await uac.response(200, 'BYE');
    expect(handler.endings).toHaveLength(1);
  });

  it('a re-INVITE while another awaits the handler gets 500 with Retry-After (RFC 3261 §14.2)', async () => {
    const { uac, handler } = await setup();
    const invite = inviteSpec(uac);
    uac.send(sipRequest(invite));
    const ok = await uac.response(200);
    uac.send(ackFor(invite, ok, false));
    const answer = deferred<OfferAnswer>();
    handler.onReoffer = () => answer.promise;
    const toTag = tagOf(ok.header('to'));
    uac.send(sipRequest({ ...invite, branch: `z9hG4bK${rand()}`, toTag, cseq: 2 }));
    await uac.response(100);
    uac.send(sipRequest({ ...invite, branch: `z9hG4bK${rand()}`, toTag, cseq: 3 }));
    const busy = await uac.response(500, 'INVITE');
    expect(busy.header('cseq')).toBe('3 INVITE');
    expect(Number(busy.header('retry-after'))).toBeGreaterThanOrEqual(0);
    expect(Number(busy.header('retry-after'))).toBeLessThanOrEqual(10);
    answer.resolve({ ok: true, sdp: ANSWER_SDP });
    const reOk = await uac.response(200, 'INVITE');
    expect(reOk.header('cseq')).toBe('2 INVITE');
    expect(handler.reoffers).toHaveLength(1);
  });

  it('a CANCELled re-INVITE gets 487 and the dialog lives on', async () => {
    const { uac, handler, server } = await setup();
    const invite = inviteSpec(uac);
    uac.send(sipRequest(invite));
    const ok = await uac.response(200);
    uac.send(ackFor(invite, ok, false));
    handler.onReoffer = () => new Promise(() => undefined);
    const reinvite = { ...invite, branch: `z9hG4bK${rand()}`, toTag: tagOf(ok.header('to')), cseq: 2 };
    uac.send(sipRequest(reinvite));
    await uac.response(100);
    uac.send(sipRequest({ ...reinvite, method: 'CANCEL', body: undefined }));
    await uac.response(200, 'CANCEL');
    await uac.response(487, 'INVITE');
    expect(handler.endings).toHaveLength(0);
    expect(server.stats().dialogs).toBe(1);
  });

  it('an out-of-order in-dialog CSeq gets 500', async () => {
    const { uac } = await setup();
    const invite = inviteSpec(uac);
    invite.cseq = 10;
    uac.send(sipRequest(invite));
    const ok = await uac.response(200);
    uac.send(ackFor(invite, ok, false));
    uac.send(sipRequest({ ...invite, method: 'UPDATE', branch: `z9hG4bK${rand()}`, toTag: tagOf(ok.header('to')), cseq: 5, body: undefined }));
    const res = await uac.response(500, 'UPDATE');
    expect(res.startLine).toContain('Out Of Order');
  });
});

describe('over TCP', () => {
  it('does not retransmit the 2xx but still ends the call when no ACK comes', async () => {
    const { uac, handler } = await setup({ timers: { t1: 10, t2: 80, t4: 100 } }, 'tcp');
    const invite = inviteSpec(uac);
    uac.send(sipRequest(invite));
    await uac.response(200);
    const bye = await uac.request('BYE', 2000);
    expect(uac.received.filter((m) => m.status === 200)).toHaveLength(1);
    expect(handler.endings[0]?.reason).toBe('ack-timeout');
    uac.send(sipResponseTo(bye, 200, 'OK'));
  });

  it('answers a CRLFCRLF keep-alive with CRLF (RFC 5626 §4.4.1)', async () => {
    const { uac } = await setup({}, 'tcp');
    const tcp = uac as TcpUac;
    tcp.send('\r\n\r\n');
    await sleep(50);
    expect(Buffer.concat(tcp.chunks).toString()).toBe('\r\n');
    // The connection still carries SIP afterwards.
    tcp.send(sipRequest({ method: 'OPTIONS', uac, callId: `o-${rand()}`, fromTag: rand() }));
    await uac.response(200, 'OPTIONS');
  });

  it('reassembles a request split across writes and several requests in one write', async () => {
    const { uac, handler } = await setup({}, 'tcp');
    const a = sipRequest({ ...inviteSpec(uac) });
    for (let i = 0; i < a.length; i += 97) {
      uac.send(a.subarray(i, i + 97));
      await sleep(1);
    }
    await uac.response(200, 'INVITE');
    const o1 = sipRequest({ method: 'OPTIONS', uac, callId: `o-${rand()}`, fromTag: rand() });
    const o2 = sipRequest({ method: 'OPTIONS', uac, callId: `o-${rand()}`, fromTag: rand() });
    uac.send(Buffer.concat([o1, o2]));
    await uac.response(200, 'OPTIONS');
    await uac.response(200, 'OPTIONS');
    expect(handler.offers[0]?.body.raw.toString()).toBe(OFFER_SDP);
  });

  it('a request without Content-Length gets 400 and the connection is closed', async () => {
    const { uac } = await setup({}, 'tcp');
    uac.send(sipRequest({ method: 'OPTIONS', uac, callId: `o-${rand()}`, fromTag: rand(), noContentLength: true }));
    const res = await uac.response(400);
    expect(res.startLine).toContain('Missing Content-Length');
    await new Promise<void>((resolve) => (uac as TcpUac).socket.once('close', () => resolve()));
  });
});
