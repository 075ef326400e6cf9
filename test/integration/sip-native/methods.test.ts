/**
 * How the UAS core answers each kind of request (RFC 3261 §8.2): OPTIONS, unknown dialogs,
 * unserved and unknown methods, Require, source policy, overload, malformed requests, and
 * failures decided by the engine.
 */
import { describe, expect, it } from 'vitest';
import type { NativeSessionServerOptions } from '../../../src/sip/native/native-session-server.js';
import type { OfferAnswer } from '../../../src/sip/types.js';
import {
  ackFor,
  deferred,
  OFFER_SDP,
  rand,
  sipRequest,
  sleep,
  tagOf,
  UdpUac,
  type RequestSpec,
} from './scripted-uac.js';
import { useTestServers } from './test-server.js';

const servers = useTestServers();

async function setup(opts: Partial<NativeSessionServerOptions> = {}) {
  const { server, handler } = await servers.server({ transports: ['udp'], ...opts });
  return { server, handler, uac: await servers.udpUac(server) };
}

function spec(uac: UdpUac, method: string, extra: Partial<RequestSpec> = {}): RequestSpec {
  return { method, uac, callId: `c-${rand()}`, fromTag: rand(), ...extra };
}

describe('requests outside a session', () => {
  it('OPTIONS gets 200 with Allow, Accept and Supported', async () => {
    const { uac, handler } = await setup();
    uac.send(sipRequest(spec(uac, 'OPTIONS')));
    const res = await uac.response(200, 'OPTIONS');
    expect(res.header('allow')?.split(/,\s*/)).toEqual(['INVITE', 'ACK', 'BYE', 'CANCEL', 'OPTIONS', 'UPDATE']);
    expect(res.header('accept')).toBe('application/sdp, multipart/mixed, application/rs-metadata+xml');
    expect(res.header('supported')).toContain('timer');
    expect(tagOf(res.header('to'))).toBeTruthy();
    expect(handler.offers).toHaveLength(0);
  });

  it('BYE for an unknown dialog gets 481', async () => {
    const { uac } = await setup();
    uac.send(sipRequest(spec(uac, 'BYE', { toTag: 'nosuchtag', cseq: 2 })));
    await uac.response(481, 'BYE');
  });

  it('UPDATE outside a dialog gets 481', async () => {
    const { uac } = await setup();
    uac.send(sipRequest(spec(uac, 'UPDATE')));
    await uac.response(481, 'UPDATE');
  });

  it('REGISTER gets 405 with Allow; FOO gets 501', async () => {
    const { uac } = await setup();
    uac.send(sipRequest(spec(uac, 'REGISTER')));
    const r405 = await uac.response(405, 'REGISTER');
    expect(r405.header('allow')).toContain('INVITE');
    uac.send(sipRequest(spec(uac, 'FOO')));
    await uac.response(501, 'FOO');
  });

  it('Require with an unsupported option tag gets 420 with Unsupported; siprec and timer are fine', async () => {
    const { uac, handler } = await setup();
    uac.send(sipRequest(spec(uac, 'INVITE', { extra: ['Require: siprec, 100rel, foo'], body: OFFER_SDP })));
    const res = await uac.response(420, 'INVITE');
    expect(res.header('unsupported')).toBe('100rel, foo');
    expect(handler.offers).toHaveLength(0);
    uac.send(sipRequest(spec(uac, 'INVITE', { extra: ['Require: siprec, timer', 'Supported: 100rel'], body: OFFER_SDP })));
    await uac.response(200, 'INVITE');
  });

  it('a source the policy rejects gets 403', async () => {
    const seen: string[] = [];
    const { uac, handler } = await setup({
      allowSource: (address) => {
        seen.push(address);
        return false;
      },
    });
    uac.send(sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })));
    await uac.response(403, 'INVITE');
    expect(seen).toEqual(['127.0.0.1']);
    expect(handler.offers).toHaveLength(0);
  });

  it('a malformed CSeq gets 400 naming the problem', async () => {
    const { uac, server } = await setup();
    const text = sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })).toString().replace('CSeq: 1 INVITE', 'CSeq: one INVITE');
    uac.send(text);
    const res = await uac.response(400);
    expect(res.startLine).toBe('SIP/2.0 400 Malformed CSeq Header');
    expect(res.header('cseq')).toBe('one INVITE');
    expect(server.stats().parseErrors).toBe(1);
  });

  it('a CSeq method that does not match the request gets 400', async () => {
    const { uac } = await setup();
    uac.send(sipRequest(spec(uac, 'OPTIONS', { cseqMethod: 'INVITE' })));
    const res = await uac.response(400);
    expect(res.startLine).toContain('CSeq Method');
  });

  it('garbage without Via/From/To is dropped and counted', async () => {
    const { uac, server } = await setup();
    uac.send('HELLO WORLD\r\n\r\n');
    uac.send('\r\n\r\n'); // a keep-alive: not even a parse error
    await sleep(100);
    expect(uac.received).toHaveLength(0);
    expect(server.stats().dropped).toBe(1);
    expect(server.stats().parseErrors).toBe(1);
  });

  it('an oversize request gets 513', async () => {
    const { uac } = await setup({ maxMessageBytes: 2000 });
    uac.send(sipRequest(spec(uac, 'INVITE', { body: 'v=0\r\n' + 'a=x\r\n'.repeat(600) })));
    await uac.response(513);
  });

  it('a SIP version we do not speak gets 505', async () => {
    const { uac } = await setup();
    uac.send(sipRequest(spec(uac, 'OPTIONS')).toString().replace('sip:srs@127.0.0.1 SIP/2.0', 'sip:srs@127.0.0.1 SIP/3.0'));
    await uac.response(505);
  });
});

describe('engine answers', () => {
  it('a failure becomes that response with reason phrase, Reason and extra headers, then ended(rejected)', async () => {
    const { uac, handler } = await setup();
    handler.onOffer = async () => ({ ok: false, status: 403, reason: 'Not A Subscriber', headers: { 'X-Callguard': 'unprovisioned' } });
    const invite = spec(uac, 'INVITE', { body: OFFER_SDP, branch: `z9hG4bK${rand()}` });
    uac.send(sipRequest(invite));
    const res = await uac.response(403, 'INVITE');
    expect(res.startLine).toBe('SIP/2.0 403 Not A Subscriber');
    expect(res.header('reason')).toBe('SIP;cause=403;text="Not A Subscriber"');
    expect(res.header('x-callguard')).toBe('unprovisioned');
    expect(tagOf(res.header('to'))).toBeTruthy();
    expect(handler.endings).toEqual([{ id: handler.offers[0]?.session.id, reason: 'rejected' }]);
    uac.send(ackFor(invite, res, true));
    await sleep(50);
    expect(handler.endings).toHaveLength(1);
  });

  it('a handler that throws yields 500 and ended(rejected)', async () => {
    const { uac, handler } = await setup();
    handler.onOffer = async () => {
      throw new Error('boom');
    };
    uac.send(sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })));
    await uac.response(500, 'INVITE');
    expect(handler.endings[0]?.reason).toBe('rejected');
  });

  it('beyond maxPendingOffers a new INVITE gets 503 with Retry-After, without reaching the handler', async () => {
    const { uac, handler } = await setup({ maxPendingOffers: 1, retryAfterSeconds: 7 });
    const answer = deferred<OfferAnswer>();
    handler.onOffer = () => answer.promise;
    uac.send(sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })));
    await uac.response(100);
    uac.send(sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })));
    const res = await uac.response(503, 'INVITE');
    expect(res.header('retry-after')).toBe('7');
    expect(handler.offers).toHaveLength(1);
    answer.resolve({ ok: false, status: 480, reason: 'Later' });
    await uac.response(480);
  });

  it('an INVITE the admission control sheds gets 503 with its Retry-After at once (no 100 Trying), never reaching the handler; the next admitted one is served', async () => {
    let admit = false;
    const { uac, handler } = await setup({ admission: { admit: () => admit, retryAfterSeconds: 3, close: () => undefined } });
    const shed = spec(uac, 'INVITE', { body: OFFER_SDP });
    uac.send(sipRequest(shed));
    const res = await uac.response(503, 'INVITE');
    expect(res.header('retry-after')).toBe('3');
    // The 503 came first: nothing else was sent for that INVITE.
    expect(uac.drain().filter((m) => m.status === 100)).toEqual([]);
    uac.send(ackFor(shed, res, false));
    expect(handler.offers).toHaveLength(0);
    admit = true;
    uac.send(sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })));
    await uac.response(200, 'INVITE');
    expect(handler.offers).toHaveLength(1);
  });

  it('beyond maxDialogs a new INVITE gets 503', async () => {
    const { uac, handler } = await setup({ maxDialogs: 1 });
    const first = spec(uac, 'INVITE', { body: OFFER_SDP });
    uac.send(sipRequest(first));
    const ok = await uac.response(200, 'INVITE');
    uac.send(ackFor(first, ok, false));
    uac.send(sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })));
    await uac.response(503, 'INVITE');
    expect(handler.offers).toHaveLength(1);
  });

  it('hangup() before the answer sends 480, ends the session, and drops the late answer', async () => {
    const { uac, handler, server } = await setup();
    const answer = deferred<OfferAnswer>();
    handler.onOffer = () => answer.promise;
    uac.send(sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })));
    await uac.response(100);
    const id = handler.offers[0]?.session.id ?? '';
    await server.hangup(id, 'hangup');
    await uac.response(480, 'INVITE');
    expect(handler.endings).toEqual([{ id, reason: 'hangup' }]);
    answer.resolve({ ok: true, sdp: 'v=0\r\n' });
    await sleep(50);
    expect(uac.received.some((m) => m.status === 200)).toBe(false);
    expect(handler.endings).toHaveLength(1);
  });
});
