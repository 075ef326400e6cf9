/**
 * Whole recording sessions against NativeSessionServer over real UDP and TCP sockets:
 * INVITE → 100 + 200 → ACK → re-INVITE → UPDATE → BYE, and a BYE of ours (hangup).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { NativeSessionServer } from '../../../src/sip/native/native-session-server.js';
import {
  ackFor,
  ANSWER_SDP,
  OFFER_SDP,
  rand,
  RecordingHandler,
  sipRequest,
  sipResponseTo,
  tagOf,
  TcpUac,
  UdpUac,
  uriOf,
  type RequestSpec,
} from './scripted-uac.js';

describe.each(['udp', 'tcp'] as const)('call flow over %s', (transport) => {
  let server: NativeSessionServer;
  let handler: RecordingHandler;
  let uac: UdpUac | TcpUac;

  beforeEach(async () => {
    server = new NativeSessionServer({
      host: '127.0.0.1',
      port: 0,
      transports: ['udp', 'tcp'],
      logger: silentLogger(),
      timers: { t1: 50, t2: 400, t4: 500 },
      userAgent: 'callguard-test',
    });
    handler = new RecordingHandler();
    await server.listen(handler);
    const port = server.address()[transport];
    expect(port).toBeGreaterThan(0);
    uac = transport === 'udp' ? await UdpUac.open(port ?? 0) : await TcpUac.open(port ?? 0);
  });

  afterEach(async () => {
    await uac.close();
    await server.close();
  });

  it('binds UDP and TCP on the same ephemeral port', () => {
    const { udp, tcp } = server.address();
    expect(udp).toBe(tcp);
  });

  it('INVITE → 100 + 200 → ACK → re-INVITE → UPDATE → BYE → ended(bye)', async () => {
    const callId = `call-${rand()}`;
    const fromTag = rand();
    const invite: RequestSpec = {
      method: 'INVITE',
      uac,
      callId,
      fromTag,
      branch: `z9hG4bK${rand()}`,
      cseq: 1,
      extra: ['Supported: timer, 100rel', 'Require: siprec', 'Allow: INVITE, ACK, BYE, CANCEL, UPDATE'],
      body: OFFER_SDP,
    };
    uac.send(sipRequest(invite));

    const trying = await uac.response(100, 'INVITE');
    expect(trying.header('call-id')).toBe(callId);
    const ok = await uac.response(200, 'INVITE');
    const toTag = tagOf(ok.header('to'));
    expect(toTag).toMatch(/^[0-9a-f]{16}$/);
    expect(ok.header('content-type')).toBe('application/sdp');
    expect(ok.body.toString()).toBe(ANSWER_SDP);
    expect(Number(ok.header('content-length'))).toBe(Buffer.byteLength(ANSWER_SDP));
    const contact = ok.header('contact') ?? '';
    expect(contact).toContain(`sip:127.0.0.1:${server.address()[transport]};transport=${transport}`);
    expect(contact).toContain('+sip.srs');
    expect(ok.header('allow')).toContain('UPDATE');
    expect(ok.header('supported')).toContain('timer');
    expect(ok.header('server')).toBe('callguard-test');
    expect(tagOf(ok.header('from'))).toBe(fromTag);

    expect(handler.offers).toHaveLength(1);
    const offered = handler.offers[0];
    expect(offered?.session.callId).toBe(callId);
    expect(offered?.session.source.transport).toBe(transport);
    expect(offered?.session.from.tag).toBe(fromTag);
    expect(offered?.session.from.display).toBe('SBC');
    expect(offered?.session.require).toEqual(['siprec']);
    expect(offered?.session.supported).toEqual(['timer', '100rel']);
    expect(offered?.session.header('SUPPORTED')).toEqual(['timer', '100rel']);
    expect(offered?.session.header('k')).toEqual(['timer', '100rel']);
    expect(offered?.body.contentType).toBe('application/sdp');
    expect(offered?.body.raw.equals(Buffer.from(OFFER_SDP))).toBe(true);
    // UAC supports timer and sent no Session-Expires: we propose the default with refresher=uac.
    expect(offered?.session.timer).toEqual({ interval: 1800, refresher: 'uac' });
    expect(ok.header('session-expires')).toBe('1800;refresher=uac');
    expect(ok.header('require')).toBe('timer');

    uac.send(ackFor(invite, ok, false));
    expect(server.stats().dialogs).toBe(1);

    // re-INVITE with a new offer: reoffer(kind 'invite')
    const reinvite: RequestSpec = { method: 'INVITE', uac, callId, fromTag, toTag, cseq: 2, body: OFFER_SDP.replace('a=sendonly', 'a=inactive') };
    uac.send(sipRequest(reinvite));
    const reOk = await uac.response(200, 'INVITE');
    expect(reOk.header('cseq')).toBe('2 INVITE');
    expect(tagOf(reOk.header('to'))).toBe(toTag);
    expect(reOk.body.toString()).toBe(ANSWER_SDP);
    uac.send(ackFor(reinvite, reOk, false));
    expect(handler.reoffers).toHaveLength(1);
    expect(handler.reoffers[0]?.kind).toBe('invite');
    expect(handler.reoffers[0]?.id).toBe(offered?.session.id);
    expect(handler.reoffers[0]?.body?.raw.toString()).toContain('a=inactive');

    // UPDATE without a body: a session refresh, reoffer(kind 'update', null), 200 without SDP.
    uac.send(sipRequest({ method: 'UPDATE', uac, callId, fromTag, toTag, cseq: 3, extra: ['Session-Expires: 1800;refresher=uac', 'Supported: timer'] }));
    const upOk = await uac.response(200, 'UPDATE');
    expect(upOk.body.length).toBe(0);
    expect(upOk.header('session-expires')).toBe('1800;refresher=uac');
    expect(handler.reoffers[1]).toEqual({ id: offered?.session.id, body: null, kind: 'update' });

    uac.send(sipRequest({ method: 'BYE', uac, callId, fromTag, toTag, cseq: 4 }));
    const byeOk = await uac.response(200, 'BYE');
    expect(byeOk.header('cseq')).toBe('4 BYE');
    await handler.waitEnded(1);
    expect(handler.endings).toEqual([{ id: offered?.session.id, reason: 'bye' }]);
    expect(server.stats().dialogs).toBe(0);
    expect(server.stats().responsesByCode[200]).toBe(4);
  });

  it('a 415 to an INVITE or a re-INVITE lists what is accepted (RFC 3261 §8.2.3)', async () => {
    const callId = `call-${rand()}`;
    const fromTag = rand();
    handler.onOffer = async () => ({ ok: false, status: 415, reason: 'Unsupported Media Type' });
    const invite: RequestSpec = { method: 'INVITE', uac, callId, fromTag, branch: `z9hG4bK${rand()}`, cseq: 1, body: OFFER_SDP };
    uac.send(sipRequest(invite));
    const refused = await uac.response(415, 'INVITE');
    expect(refused.header('accept')).toBe('application/sdp, multipart/mixed, application/rs-metadata+xml');
    uac.send(ackFor(invite, refused, false));

    handler.onOffer = async () => ({ ok: true, sdp: ANSWER_SDP });
    handler.onReoffer = async () => ({ ok: false, status: 415, reason: 'Unsupported Media Type' });
    const call2: RequestSpec = { method: 'INVITE', uac, callId: `call-${rand()}`, fromTag, branch: `z9hG4bK${rand()}`, cseq: 1, body: OFFER_SDP };
    uac.send(sipRequest(call2));
    const ok = await uac.response(200, 'INVITE');
    uac.send(ackFor(call2, ok, false));
    const reinvite: RequestSpec = { method: 'INVITE', uac, callId: call2.callId, fromTag, toTag: tagOf(ok.header('to')), cseq: 2, body: OFFER_SDP };
    uac.send(sipRequest(reinvite));
    const reRefused = await uac.response(415, 'INVITE');
    expect(reRefused.header('accept')).toBe('application/sdp, multipart/mixed, application/rs-metadata+xml');
  });

  it('hangup() sends a BYE with the dialog headers, then ended(hangup)', async () => {
    const callId = `call-${rand()}`;
    const fromTag = rand();
    const invite: RequestSpec = {
      method: 'INVITE',
      uac,
      callId,
      fromTag,
      cseq: 7,
      extra: ['Record-Route: <sip:127.0.0.1:' + uac.port + ';lr>'],
      body: OFFER_SDP,
    };
    uac.send(sipRequest(invite));
    const ok = await uac.response(200, 'INVITE');
    const toTag = tagOf(ok.header('to'));
    uac.send(ackFor(invite, ok, false));
    const id = handler.offers[0]?.session.id ?? '';
    // Wait until the ACK has been processed (the dialog is confirmed) before hanging up.
    await new Promise((r) => setTimeout(r, 30));

    const hangup = server.hangup(id, 'hangup');
    const bye = await uac.request('BYE');
    expect(bye.startLine).toBe(`BYE sip:src@127.0.0.1:${uac.port};transport=${transport} SIP/2.0`);
    expect(uriOf(bye.header('from'))).toBe('sip:srs@127.0.0.1');
    expect(tagOf(bye.header('from'))).toBe(toTag);
    expect(tagOf(bye.header('to'))).toBe(fromTag);
    expect(bye.header('to')).toContain('+12125551234');
    expect(bye.header('call-id')).toBe(callId);
    expect(bye.header('cseq')).toBe('1 BYE');
    expect(bye.header('route')).toBe(`<sip:127.0.0.1:${uac.port};lr>`);
    expect(bye.header('via')).toMatch(new RegExp(`^SIP/2\\.0/${transport.toUpperCase()} 127\\.0\\.0\\.1:\\d+;branch=z9hG4bK`));
    expect(bye.header('max-forwards')).toBe('70');
    expect(bye.header('user-agent')).toBe('callguard-test');
    expect(handler.endings).toEqual([{ id, reason: 'hangup' }]);
    uac.send(sipResponseTo(bye, 200, 'OK'));
    await hangup;
    expect(server.stats().dialogs).toBe(0);
    if (uac instanceof TcpUac) {
      // The BYE came back over the connection the INVITE arrived on.
      expect(uac.socket.destroyed).toBe(false);
    }
  });
});

describe('TCP dialog whose connection is gone', () => {
  it('opens a new connection to the remote target for the BYE (RFC 3261 §18.1.1)', async () => {
    const net = await import('node:net');
    const server = new NativeSessionServer({ host: '127.0.0.1', port: 0, transports: ['tcp'], logger: silentLogger(), closeTimeoutMs: 100 });
    const handler = new RecordingHandler();
    await server.listen(handler);
    // The SRC listens for requests on its own port, as its Contact says.
    const received: string[] = [];
    const srcListener = net.createServer((sock) => sock.on('data', (d: Buffer) => received.push(d.toString())));
    await new Promise<void>((resolve) => srcListener.listen(0, '127.0.0.1', () => resolve()));
    const srcPort = (srcListener.address() as { port: number }).port;
    const uac = await TcpUac.open(server.address().tcp ?? 0);
    const invite: RequestSpec = {
      method: 'INVITE',
      uac: { transport: 'tcp', port: srcPort },
      callId: `gone-${rand()}`,
      fromTag: rand(),
      body: OFFER_SDP,
    };
    uac.send(sipRequest(invite));
    const ok = await uac.response(200, 'INVITE');
    uac.send(ackFor(invite, ok, false));
    await new Promise((r) => setTimeout(r, 30));
    await uac.close();
    const id = handler.offers[0]?.session.id ?? '';
    void server.hangup(id, 'hangup');
    for (let i = 0; i < 50 && !received.join('').includes('BYE '); i++) await new Promise((r) => setTimeout(r, 20));
    expect(received.join('')).toMatch(new RegExp(`^BYE sip:src@127\\.0\\.0\\.1:${srcPort};transport=tcp SIP/2\\.0\\r\\n`));
    await server.close();
    await new Promise<void>((resolve) => srcListener.close(() => resolve()));
    expect(server.openSockets).toBe(0);
  });
});
