/**
 * close(): BYE for live dialogs, 503 for offers still with the handler, ended('shutdown') for
 * each, and nothing left behind: no timer, no transaction, no socket.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { NativeSessionServer } from '../../../src/sip/native/native-session-server.js';
import { NativeServerError } from '../../../src/sip/native/errors.js';
import {
  ackFor,
  OFFER_SDP,
  rand,
  RecordingHandler,
  sipRequest,
  sipResponseTo,
  sleep,
  TcpUac,
  UdpUac,
  type RequestSpec,
} from './scripted-uac.js';
import { testServerOptions } from './test-server.js';

const WATCHED = ['UDPWrap', 'TCPServerWrap', 'TCPSocketWrap', 'Timeout'];

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const name of WATCHED) counts[name] = 0;
  for (const r of process.getActiveResourcesInfo()) if (r in counts) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

describe('close()', () => {
  it('ends every session, leaves zero timers, transactions and sockets, and is idempotent', async () => {
    const baseline = resources();
    const server = new NativeSessionServer(testServerOptions({ closeTimeoutMs: 300 }));
    const handler = new RecordingHandler();
    await server.listen(handler);
    const { udp, tcp } = server.address();
    const u = await UdpUac.open(udp ?? 0);
    const t = await TcpUac.open(tcp ?? 0);

    // A confirmed dialog over UDP (with a refresh schedule: refresher=uas) and one over TCP.
    const a: RequestSpec = { method: 'INVITE', uac: u, callId: `a-${rand()}`, fromTag: rand(), body: OFFER_SDP, extra: ['Supported: timer', 'Session-Expires: 1800;refresher=uas'] };
    u.send(sipRequest(a));
    const okA = await u.response(200, 'INVITE');
    u.send(ackFor(a, okA, false));
    const b: RequestSpec = { method: 'INVITE', uac: t, callId: `b-${rand()}`, fromTag: rand(), body: OFFER_SDP };
    t.send(sipRequest(b));
    const okB = await t.response(200, 'INVITE');
    t.send(ackFor(b, okB, false));
    // An offer the handler never answers.
    handler.onOffer = () => new Promise(() => undefined);
    const c: RequestSpec = { method: 'INVITE', uac: u, callId: `c-${rand()}`, fromTag: rand(), body: OFFER_SDP };
    u.send(sipRequest(c));
    await u.response(100);
    // Some transactions in their wait states (Timer J/K/L) and an OPTIONS.
    u.send(sipRequest({ method: 'OPTIONS', uac: u, callId: `o-${rand()}`, fromTag: rand() }));
    await u.response(200, 'OPTIONS');
    await sleep(30);
    const before = server.stats();
    expect(before.dialogs).toBe(2);
    expect(before.timers).toBeGreaterThan(0);
    expect(before.transactions).toBeGreaterThan(0);

    const closing = server.close();
    expect(server.close()).toBe(closing);
    // The UDP SRC answers its BYE; the TCP one never does (close() stops waiting after 300 ms).
    const byeA = await u.request('BYE');
    u.send(sipResponseTo(byeA, 200, 'OK'));
    const byeB = await t.request('BYE');
    expect(byeB.header('call-id')).toBe(b.callId);
    await u.response(503, 'INVITE');
    await closing;

    const ids = handler.offers.map((o) => o.session.id);
    expect(handler.endings.map((e) => e.reason)).toEqual(['shutdown', 'shutdown', 'shutdown']);
    expect(new Set(handler.endings.map((e) => e.id))).toEqual(new Set(ids));
    expect(server.stats()).toMatchObject({ dialogs: 0, transactions: 0, timers: 0 });
    expect(server.openSockets).toBe(0);

    await u.close();
    await t.close();
    await sleep(20);
    const after = resources();
    expect({ ...after, Timeout: 0 }).toEqual({ ...baseline, Timeout: 0 });
    // Timers owned by the test runner come and go; ours must not add any.
    expect(after.Timeout).toBeLessThanOrEqual(baseline.Timeout ?? 0);
    await expect(server.listen(handler)).rejects.toBeInstanceOf(NativeServerError);
  });

  it('drops what arrives after close and never calls the handler again', async () => {
    const server = new NativeSessionServer({ host: '127.0.0.1', port: 0, transports: ['udp'], logger: silentLogger() });
    const handler = new RecordingHandler();
    await server.listen(handler);
    const port = server.address().udp ?? 0;
    await server.close();
    const u = await UdpUac.open(port);
    u.send(sipRequest({ method: 'INVITE', uac: u, callId: `x-${rand()}`, fromTag: rand(), body: OFFER_SDP }));
    await sleep(100);
    expect(u.received).toHaveLength(0);
    expect(handler.offers).toHaveLength(0);
    await u.close();
  });

  it('binds a fixed port on both transports, and fails clearly when the port is taken', async () => {
    const first = new NativeSessionServer({ host: '127.0.0.1', port: 0, transports: ['udp', 'tcp'], logger: silentLogger() });
    await first.listen(new RecordingHandler());
    const port = first.address().udp ?? 0;
    const second = new NativeSessionServer({ host: '127.0.0.1', port, transports: ['udp', 'tcp'], logger: silentLogger() });
    const err = await second.listen(new RecordingHandler()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NativeServerError);
    expect((err as NativeServerError).code).toBe('SIP_BIND_FAILED');
    expect(second.openSockets).toBe(0);
    await first.close();
    await second.close();
  });
});
