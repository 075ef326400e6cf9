/**
 * TCP connection hygiene of NativeSessionServer over real sockets: a source the allow-list refuses
 * is cut at accept time (before anything is read) and counted once per connection; a connection
 * that carries no complete message and no dialog for connectionIdleTimeoutMs is closed, one that
 * carries a live dialog is kept for as long as the dialog lives; a message still incomplete after
 * incompleteMessageTimeoutMs is dropped with its connection.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { OfferAnswer } from '../../../src/sip/types.js';
import { ackFor, ANSWER_SDP, deferred, OFFER_SDP, rand, sipRequest, sipResponseTo, sleep, tagOf, TcpUac, type RequestSpec } from './scripted-uac.js';
import { useTestServers } from './test-server.js';

const { server: setup, tcpUac, closeAfter } = useTestServers();

function spec(uac: TcpUac, method: string, extra: Partial<RequestSpec> = {}): RequestSpec {
  return { method, uac, callId: `cx-${rand()}`, fromTag: rand(), branch: `z9hG4bK${rand()}`, ...extra };
}

/** Resolves with how long the server took to close the connection, or rejects after `timeoutMs`. */
async function closedWithin(uac: TcpUac, timeoutMs: number): Promise<number> {
  const start = Date.now();
  await Promise.race([
    uac.ended(),
    sleep(timeoutMs).then(() => {
      throw new Error(`connection still open after ${timeoutMs} ms`);
    }),
  ]);
  return Date.now() - start;
}

function stillOpen(uac: TcpUac): boolean {
  return !uac.socket.destroyed && !uac.socket.readableEnded;
}

describe('source allow-list at accept time', () => {
  it('a refused source\'s TCP connection is closed at once, unread, and counted once', async () => {
    const seen: string[] = [];
    const { server, handler } = await setup({
      allowSource: (address) => {
        seen.push(address);
        return false;
      },
    });
    const port = server.address().tcp ?? 0;
    const raw = net.connect({ host: '127.0.0.1', port });
    raw.on('error', () => undefined);
    const received: Buffer[] = [];
    raw.on('data', (c: Buffer) => received.push(c));
    closeAfter(async () => {
      raw.destroy();
    });
    const closed = new Promise<void>((resolve) => raw.once('close', () => resolve()));
    await new Promise<void>((resolve) => raw.once('connect', () => resolve()));
    await Promise.race([
      closed,
      sleep(1000).then(() => {
        throw new Error('refused connection still open');
      }),
    ]);
    expect(received).toEqual([]);
    expect(seen).toEqual(['127.0.0.1']);
    expect(server.stats().rejected['source-not-allowed']).toBe(1);
    expect(handler.offers).toHaveLength(0);
    expect(server.openSockets).toBe(2); // UDP and the TCP listener: nothing adopted

    // A second refused connection counts again: one per connection.
    const again = await TcpUac.open(port).catch(() => null);
    if (again) {
      closeAfter(() => again.close());
      await closedWithin(again, 1000);
    }
    expect(server.stats().rejected['source-not-allowed']).toBe(2);
  });

  it('an allowed source is served over TCP as before', async () => {
    const { server } = await setup({ allowSource: (address) => address === '127.0.0.1' });
    const uac = await tcpUac(server);
    uac.send(sipRequest(spec(uac, 'OPTIONS')));
    await uac.response(200, 'OPTIONS');
    expect(server.stats().rejected['source-not-allowed']).toBe(0);
  });
});

describe('idle connections', () => {
  it('a connection with no dialog is closed once idle for connectionIdleTimeoutMs', async () => {
    const { server } = await setup({ connectionIdleTimeoutMs: 200 });
    const uac = await tcpUac(server);
    uac.send(sipRequest(spec(uac, 'OPTIONS')));
    await uac.response(200, 'OPTIONS');
    const took = await closedWithin(uac, 2000);
    expect(took).toBeGreaterThanOrEqual(100);
    await sleep(20);
    expect(server.openSockets).toBe(2);
  });

  it('a connection that never sends anything is closed too', async () => {
    const { server } = await setup({ connectionIdleTimeoutMs: 150 });
    const uac = await tcpUac(server);
    await closedWithin(uac, 2000);
  });

  it('complete messages keep a connection alive', async () => {
    const { server } = await setup({ connectionIdleTimeoutMs: 300 });
    const uac = await tcpUac(server);
    for (let i = 0; i < 5; i++) {
      uac.send(sipRequest(spec(uac, 'OPTIONS')));
      await uac.response(200, 'OPTIONS');
      await sleep(150);
    }
    expect(stillOpen(uac)).toBe(true);
  });

  it('a connection carrying a live dialog stays open past the timeout; our BYE goes over it', async () => {
    const { server, handler } = await setup({ connectionIdleTimeoutMs: 150 });
    const uac = await tcpUac(server);
    const invite = spec(uac, 'INVITE', { body: OFFER_SDP });
    uac.send(sipRequest(invite));
    const ok = await uac.response(200, 'INVITE');
    uac.send(ackFor(invite, ok, false));
    await sleep(600);
    expect(stillOpen(uac)).toBe(true);
    expect(server.stats().dialogs).toBe(1);

    // The SRC's in-dialog requests and our BYE still use it.
    uac.send(sipRequest({ ...invite, method: 'UPDATE', toTag: tagOf(ok.header('to')), cseq: 2, branch: `z9hG4bK${rand()}`, body: undefined }));
    await uac.response(200, 'UPDATE');
    await sleep(400);
    const id = handler.offers[0]?.session.id ?? '';
    const hangup = server.hangup(id, 'hangup');
    const bye = await uac.request('BYE');
    uac.send(sipResponseTo(bye, 200, 'OK'));
    await hangup;
    expect(server.stats().dialogs).toBe(0);

    // With the dialog gone the connection is idle like any other.
    await closedWithin(uac, 2000);
  });

  it('a connection whose INVITE the engine is still answering stays open', async () => {
    const { handler, server } = await setup({ connectionIdleTimeoutMs: 150 });
    const held = deferred<OfferAnswer>();
    handler.onOffer = () => held.promise;
    const uac = await tcpUac(server);
    const invite = spec(uac, 'INVITE', { body: OFFER_SDP });
    uac.send(sipRequest(invite));
    await uac.response(100, 'INVITE');
    await sleep(500);
    expect(stillOpen(uac)).toBe(true);
    held.resolve({ ok: true, sdp: ANSWER_SDP });
    await uac.response(200, 'INVITE');
  });
});

describe('incomplete messages', () => {
  it('a half-sent header section is dropped with its connection after incompleteMessageTimeoutMs', async () => {
    const { server, handler } = await setup({ incompleteMessageTimeoutMs: 200 });
    const uac = await tcpUac(server);
    const text = sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })).toString();
    uac.send(text.slice(0, text.indexOf('\r\n\r\n') - 20));
    const took = await closedWithin(uac, 2000);
    expect(took).toBeGreaterThanOrEqual(100);
    expect(server.stats().dropped).toBe(1);
    expect(handler.offers).toHaveLength(0);
    expect(uac.received).toEqual([]);
  });

  it('a body that never arrives in full is dropped the same way', async () => {
    const { server, handler } = await setup({ incompleteMessageTimeoutMs: 200 });
    const uac = await tcpUac(server);
    const text = sipRequest(spec(uac, 'INVITE', { body: OFFER_SDP })).toString();
    uac.send(text.slice(0, text.length - 10));
    await closedWithin(uac, 2000);
    expect(server.stats().dropped).toBe(1);
    expect(handler.offers).toHaveLength(0);
  });

  it('a message sent slowly but within the timeout is served; CRLF keep-alives do not arm it', async () => {
    const { server } = await setup({ incompleteMessageTimeoutMs: 300 });
    const uac = await tcpUac(server);
    const data = sipRequest(spec(uac, 'OPTIONS'));
    uac.send(data.subarray(0, 40));
    await sleep(150);
    uac.send(data.subarray(40));
    await uac.response(200, 'OPTIONS');
    // A lone CRLF (half a ping) waits for more, but is not the start of a message.
    uac.send('\r\n');
    await sleep(500);
    expect(stillOpen(uac)).toBe(true);
    expect(server.stats().dropped).toBe(0);
  });
});
