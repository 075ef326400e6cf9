/**
 * RFC 4028 session timers negotiated by the native server, and the refreshes it sends itself when
 * the SRC insists on refresher=uas.
 */
import { describe, expect, it } from 'vitest';
import type { NativeSessionServerOptions } from '../../../src/sip/native/native-session-server.js';
import {
  ackFor,
  OFFER_SDP,
  rand,
  sipRequest,
  sipResponseTo,
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

function invite(uac: UdpUac, extra: string[]): RequestSpec {
  return { method: 'INVITE', uac, callId: `t-${rand()}`, fromTag: rand(), branch: `z9hG4bK${rand()}`, body: OFFER_SDP, extra };
}

describe('session timer negotiation', () => {
  it('Session-Expires below our Min-SE gets 422 with Min-SE', async () => {
    const { uac, handler } = await setup({ minSE: 90 });
    uac.send(sipRequest(invite(uac, ['Supported: timer', 'Session-Expires: 30', 'Min-SE: 30'])));
    const res = await uac.response(422, 'INVITE');
    expect(res.startLine).toBe('SIP/2.0 422 Session Interval Too Small');
    expect(res.header('min-se')).toBe('90');
    expect(handler.offers).toHaveLength(0);
  });

  it('honours Session-Expires: 1800;refresher=uac and reports it in SessionInfo.timer', async () => {
    const { uac, handler } = await setup();
    uac.send(sipRequest(invite(uac, ['Supported: timer', 'Session-Expires: 1800;refresher=uac'])));
    const ok = await uac.response(200, 'INVITE');
    expect(ok.header('session-expires')).toBe('1800;refresher=uac');
    expect(ok.header('require')).toBe('timer');
    expect(handler.offers[0]?.session.timer).toEqual({ interval: 1800, refresher: 'uac' });
  });

  it('reads the compact form x and picks refresher=uac when the SRC names none', async () => {
    const { uac, handler } = await setup();
    uac.send(sipRequest(invite(uac, ['k: timer', 'x: 600'])));
    const ok = await uac.response(200, 'INVITE');
    expect(ok.header('session-expires')).toBe('600;refresher=uac');
    expect(handler.offers[0]?.session.timer).toEqual({ interval: 600, refresher: 'uac' });
  });

  it('no timer when the SRC neither supports timer nor sends Session-Expires', async () => {
    const { uac, handler } = await setup();
    uac.send(sipRequest(invite(uac, [])));
    const ok = await uac.response(200, 'INVITE');
    expect(ok.header('session-expires')).toBeUndefined();
    expect(ok.header('require')).toBeUndefined();
    expect(handler.offers[0]?.session.timer).toBeUndefined();
  });

  it('declines the timer when the SRC lacks timer support and rules out UPDATE (no way to refresh)', async () => {
    const { uac, handler } = await setup();
    uac.send(sipRequest(invite(uac, ['Session-Expires: 1800', 'Allow: INVITE, ACK, BYE, CANCEL'])));
    const ok = await uac.response(200, 'INVITE');
    expect(ok.header('session-expires')).toBeUndefined();
    expect(handler.offers[0]?.session.timer).toBeUndefined();
  });

  it('a refresh asking for a longer interval is answered with the current one', async () => {
    const { uac, handler } = await setup();
    const inv = invite(uac, ['Supported: timer', 'Session-Expires: 600;refresher=uac']);
    uac.send(sipRequest(inv));
    const ok = await uac.response(200, 'INVITE');
    uac.send(ackFor(inv, ok, false));
    uac.send(sipRequest({ ...inv, method: 'UPDATE', branch: `z9hG4bK${rand()}`, toTag: tagOf(ok.header('to')), cseq: 2, body: undefined, extra: ['Supported: timer', 'Session-Expires: 3600;refresher=uac'] }));
    const upd = await uac.response(200, 'UPDATE');
    expect(upd.header('session-expires')).toBe('600;refresher=uac');
    expect(handler.reoffers[0]?.kind).toBe('update');
  });

  it('a refresh below Min-SE inside the dialog gets 422 and the dialog lives on', async () => {
    const { uac, server } = await setup({ minSE: 90 });
    const inv = invite(uac, ['Supported: timer', 'Session-Expires: 600']);
    uac.send(sipRequest(inv));
    const ok = await uac.response(200, 'INVITE');
    uac.send(ackFor(inv, ok, false));
    uac.send(sipRequest({ ...inv, method: 'UPDATE', branch: `z9hG4bK${rand()}`, toTag: tagOf(ok.header('to')), cseq: 2, body: undefined, extra: ['Session-Expires: 10'] }));
    const res = await uac.response(422, 'UPDATE');
    expect(res.header('min-se')).toBe('90');
    expect(server.stats().dialogs).toBe(1);
  });
});

describe('refresher=uas (the SRC insists): we refresh with UPDATE', () => {
  it('sends body-less UPDATEs at half the interval, and ends the call when a refresh fails', async () => {
    const { uac, handler, server } = await setup({ minSE: 1 });
    const inv = invite(uac, ['Supported: timer', 'Session-Expires: 2;refresher=uas', 'Allow: INVITE, ACK, BYE, CANCEL, UPDATE']);
    uac.send(sipRequest(inv));
    const ok = await uac.response(200, 'INVITE');
    expect(ok.header('session-expires')).toBe('2;refresher=uas');
    expect(handler.offers[0]?.session.timer).toEqual({ interval: 2, refresher: 'uas' });
    uac.send(ackFor(inv, ok, false));

    const started = Date.now();
    const update = await uac.request('UPDATE', 3000);
    expect(Date.now() - started).toBeGreaterThan(700);
    expect(update.header('session-expires')).toBe('2;refresher=uac');
    expect(update.header('cseq')).toBe('1 UPDATE');
    expect(update.header('contact')).toContain('+sip.srs');
    expect(update.header('content-length')).toBe('0');
    expect(tagOf(update.header('from'))).toBe(tagOf(ok.header('to')));
    uac.send(sipResponseTo(update, 200, 'OK', ['Session-Expires: 2;refresher=uac', 'Require: timer']));

    // The next refresh fails with 481: RFC 4028 §10, the session is over.
    const second = await uac.request('UPDATE', 3000);
    expect(second.header('cseq')).toBe('2 UPDATE');
    uac.send(sipResponseTo(second, 481, 'Call/Transaction Does Not Exist'));
    const bye = await uac.request('BYE', 2000);
    expect(bye.header('cseq')).toBe('3 BYE');
    expect(handler.endings).toEqual([{ id: handler.offers[0]?.session.id, reason: 'session-expired' }]);
    uac.send(sipResponseTo(bye, 200, 'OK'));
    await new Promise((r) => setTimeout(r, 50));
    expect(server.stats().dialogs).toBe(0);
  });
});
