/**
 * DrachtioSessionServer's connection to drachtio-server (a fake one on loopback): listen() waits
 * for authentication, fails clearly on a wrong secret or no server, survives a lost connection by
 * reconnecting, and close() ends everything. The secret never reaches a log line.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger, type Logger } from '../../../src/log.js';
import { DrachtioServerError, DrachtioSessionServer, type DrachtioSessionServerOptions } from '../../../src/sip/drachtio/index.js';
import { FakeDrachtioServer } from '../../support/fake-drachtio-server.js';
import { freePort } from '../../support/free-port.js';
import { ackFor, OFFER_SDP, rand, RecordingHandler, sipRequest, tagOf, type RequestSpec } from '../sip-native/scripted-uac.js';

const SECRET = 'hunter2-drachtio-secret';
const SRC = { transport: 'udp' as const, port: 5070 };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function fake(port = 0, secret = SECRET): Promise<FakeDrachtioServer> {
  const f = await FakeDrachtioServer.start({ secret }, port);
  closers.push(() => f.close());
  return f;
}

function server(port: number, opts: Partial<DrachtioSessionServerOptions> = {}): DrachtioSessionServer {
  const s = new DrachtioSessionServer({ host: '127.0.0.1', port, secret: SECRET, logger: silentLogger(), closeTimeoutMs: 200, ...opts });
  closers.push(() => s.close());
  return s;
}

/** A debug-level logger whose lines the test can read. */
function capturedLogger(): { logger: Logger; text: () => string } {
  const sink = new PassThrough();
  const chunks: string[] = [];
  sink.on('data', (c: Buffer) => chunks.push(c.toString()));
  return { logger: createLogger({ level: 'debug', destination: sink }), text: () => chunks.join('') };
}

function invite(): RequestSpec {
  return { method: 'INVITE', uac: SRC, callId: `cn-${rand()}`, fromTag: rand(), branch: `z9hG4bK${rand()}`, body: OFFER_SDP, extra: ['Supported: timer'] };
}

async function until(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DrachtioSessionServer connection', () => {
  it('listen() resolves once authenticated and routed; logs connect without the secret', async () => {
    const f = await fake();
    const log = capturedLogger();
    const s = server(f.port, { logger: log.logger });
    await s.listen(new RecordingHandler());
    await f.ready();
    expect(f.fromApp[0]).toBe(`authenticate|${SECRET}|`);
    expect(f.fromApp).toContain('route|invite');
    expect(s.stats()).toMatchObject({ connected: true, connects: 1, dialogs: 0 });
    expect(s.address()).toEqual({});
    await s.close();
    const text = log.text();
    expect(text).toContain('drachtio connected');
    expect(text).toContain('drachtio closed');
    expect(text).not.toContain(SECRET);
  });

  it('a wrong secret rejects listen() with DRACHTIO_AUTH_FAILED and stops trying', async () => {
    const f = await fake(0, 'the-right-one');
    const log = capturedLogger();
    const s = server(f.port, { logger: log.logger });
    const err = await s.listen(new RecordingHandler()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DrachtioServerError);
    expect((err as DrachtioServerError).code).toBe('DRACHTIO_AUTH_FAILED');
    expect((err as Error).message).toContain(`127.0.0.1:${f.port}`);
    expect((err as Error).message).not.toContain(SECRET);
    expect(log.text()).not.toContain(SECRET);
    const attempts = f.fromApp.filter((m) => m.startsWith('authenticate|')).length;
    // drachtio-srf's first retry would come after ~255 ms.
    await new Promise((r) => setTimeout(r, 700));
    expect(f.fromApp.filter((m) => m.startsWith('authenticate|')).length).toBe(attempts);
  });

  it('no drachtio-server: listen() rejects with DRACHTIO_CONNECT_TIMEOUT and leaves nothing retrying', async () => {
    const port = await freePort();
    const s = server(port, { connectTimeoutMs: 400 });
    const err = await s.listen(new RecordingHandler()).catch((e: unknown) => e);
    expect((err as DrachtioServerError).code).toBe('DRACHTIO_CONNECT_TIMEOUT');
    expect((err as Error).message).toBe(`no connection to drachtio-server at 127.0.0.1:${port} within 400 ms`);
    // A server that appears later is not connected to: the rejected listen() stopped the retries.
    const late = await fake(port);
    await new Promise((r) => setTimeout(r, 700));
    expect(late.authenticated).toBe(0);
  });

  it('drachtio-server coming up after listen() started: connects on a retry', async () => {
    const port = await freePort();
    const s = server(port, { connectTimeoutMs: 10_000 });
    const listening = s.listen(new RecordingHandler());
    await new Promise((r) => setTimeout(r, 300));
    const f = await fake(port);
    await listening;
    await f.ready();
    expect(s.stats().connected).toBe(true);
  });

  it('close() while connecting rejects listen() with DRACHTIO_CLOSED', async () => {
    const port = await freePort();
    const s = server(port, { connectTimeoutMs: 10_000 });
    const listening = s.listen(new RecordingHandler()).catch((e: unknown) => e);
    await s.close();
    expect(((await listening) as DrachtioServerError).code).toBe('DRACHTIO_CLOSED');
    await expect(s.listen(new RecordingHandler())).rejects.toMatchObject({ code: 'DRACHTIO_CLOSED' });
  });

  it('a lost connection does not crash: it reconnects, the live recording carries on and can be ended both ways', async () => {
    const f = await fake();
    const log = capturedLogger();
    const s = server(f.port, { logger: log.logger });
    const handler = new RecordingHandler();
    await s.listen(handler);
    await f.ready();

    const first = invite();
    f.send(sipRequest(first));
    const ok1 = await f.response(200, 'INVITE');
    f.send(ackFor(first, ok1, false));
    const second = invite();
    f.send(sipRequest(second));
    const ok2 = await f.response(200, 'INVITE');
    f.send(ackFor(second, ok2, false));
    await until(() => s.stats().dialogs === 2, 'two dialogs');

    f.dropConnection();
    await until(() => !s.stats().connected, 'connection loss noticed');
    await f.ready(2);
    await until(() => s.stats().connected, 'reconnected');
    expect(s.stats().connects).toBe(2);
    expect(log.text()).toContain('drachtio connection lost; reconnecting');
    expect(handler.endings).toEqual([]);

    // The SRC's BYE arrives over the new connection.
    f.send(sipRequest({ method: 'BYE', uac: SRC, callId: first.callId, fromTag: first.fromTag, toTag: tagOf(ok1.header('to')), cseq: 2 }));
    await f.response(200, 'BYE');
    await handler.waitEnded(1);
    expect(handler.endings[0]).toEqual({ id: handler.offers[0]?.session.id, reason: 'bye' });

    // Our BYE for the other one goes out over the new connection too.
    const hangup = s.hangup(handler.offers[1]?.session.id ?? '', 'hangup');
    const bye = await f.request('BYE');
    expect(bye.header('call-id')).toBe(second.callId);
    f.replyToApp(bye, 200);
    await hangup;
    expect(handler.endings[1]).toEqual({ id: handler.offers[1]?.session.id, reason: 'hangup' });
    expect(s.stats().dialogs).toBe(0);

    // And new calls are taken.
    const third = invite();
    f.send(sipRequest(third));
    await f.response(200, 'INVITE');
  });

  it('the connection drops after our 200 went out, before drachtio-server acknowledged it: the session is ended and released', async () => {
    const f = await fake();
    const s = server(f.port, { maxCallsPerSource: 1 });
    const handler = new RecordingHandler();
    await s.listen(handler);
    await f.ready();

    f.dropBeforeAcknowledging(200);
    f.send(sipRequest(invite()));
    await f.response(200, 'INVITE');
    // drachtio-srf drops the callbacks of a lost connection: createUAS never reports back.
    await handler.waitEnded(1);
    expect(handler.endings).toEqual([{ id: handler.offers[0]?.session.id, reason: 'transport-error' }]);
    expect(s.stats()).toMatchObject({ sessions: 0, dialogs: 0 });

    // The source's slot is free again (maxCallsPerSource 1): a new call after the reconnect is taken.
    await f.ready(2);
    await until(() => s.stats().connected, 'reconnected');
    f.send(sipRequest(invite()));
    await f.response(200, 'INVITE');
    expect(s.stats().rejected['calls-per-source']).toBe(0);
    expect(handler.offers).toHaveLength(2);
  });

  it('close() sends BYE for live dialogs, reports shutdown, is idempotent and leaves the connection closed', async () => {
    const f = await fake();
    const s = server(f.port);
    const handler = new RecordingHandler();
    await s.listen(handler);
    await f.ready();
    const req = invite();
    f.send(sipRequest(req));
    const ok = await f.response(200, 'INVITE');
    f.send(ackFor(req, ok, false));
    await until(() => s.stats().dialogs === 1, 'dialog up');

    const closing = s.close();
    expect(s.close()).toBe(closing);
    const bye = await f.request('BYE');
    f.replyToApp(bye, 200);
    await closing;
    expect(handler.endings).toEqual([{ id: handler.offers[0]?.session.id, reason: 'shutdown' }]);
    expect(s.stats()).toMatchObject({ connected: false, sessions: 0, dialogs: 0 });
    // A new INVITE now finds no application: drachtio-server answers 503.
    await until(() => !f.appConnected, 'connection gone');
    f.send(sipRequest(invite()));
    await f.response(503, 'INVITE');
  });
});
