/**
 * What DrachtioSessionServer hands the engine and what it answers, beyond the shared scenarios:
 * SessionInfo and byte-exact bodies, the session-timer policy drachtio-server is given, hangup
 * before the ACK, drachtio-server's own BYEs, a CANCEL crossing our 200, limits and odd answers.
 */
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../../src/log.js';
import { buildSiprecOffer, newMetadataIds } from '../../../src/simulate/siprec-offer.js';
import { DrachtioSessionServer, type DrachtioSessionServerOptions } from '../../../src/sip/drachtio/index.js';
import { FakeDrachtioServer } from '../../support/fake-drachtio-server.js';
import { ackFor, ANSWER_SDP, deferred, OFFER_SDP, rand, RecordingHandler, sipRequest, tagOf, type RequestSpec } from '../sip-native/scripted-uac.js';
import type { OfferAnswer } from '../../../src/sip/types.js';

const SECRET = 'session-secret';
const SRC = { transport: 'udp' as const, port: 5070 };

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function setup(opts: Partial<DrachtioSessionServerOptions> = {}, coalesceWrites = false) {
  const fake = await FakeDrachtioServer.start({ secret: SECRET, coalesceWrites });
  closers.push(() => fake.close());
  const server = new DrachtioSessionServer({ host: '127.0.0.1', port: fake.port, secret: SECRET, logger: silentLogger(), closeTimeoutMs: 200, ...opts });
  closers.push(() => server.close());
  const handler = new RecordingHandler();
  await server.listen(handler);
  await fake.ready();
  return { fake, server, handler };
}

function invite(extra: string[] = ['Supported: timer'], body: string | Buffer = OFFER_SDP, contentType?: string): RequestSpec {
  return { method: 'INVITE', uac: SRC, callId: `ss-${rand()}`, fromTag: rand(), branch: `z9hG4bK${rand()}`, body, extra, ...(contentType ? { contentType } : {}) };
}

async function established(fake: FakeDrachtioServer, req: RequestSpec = invite()) {
  fake.send(sipRequest(req));
  const ok = await fake.response(200, 'INVITE');
  fake.send(ackFor(req, ok, false));
  return { req, ok, toTag: tagOf(ok.header('to')) ?? '' };
}

async function until(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('DrachtioSessionServer sessions', () => {
  it('builds SessionInfo like the native adapter and passes the body byte-exact (UTF-8 included)', async () => {
    const { fake, handler } = await setup();
    const offer = buildSiprecOffer(
      { address: '127.0.0.1', sessionId: '42', version: 1, codec: 'pcmu', ports: { caller: 41000, subscriber: 41002 }, direction: 'sendonly' },
      { ids: newMetadataIds(), numbers: { caller: '+13035551000', subscriber: '+12125550123' }, domain: '127.0.0.1', startTime: new Date(0) },
    );
    // Multi-byte characters: Content-Length counts bytes, drachtio-srf's req.body would count characters.
    const body = Buffer.from(offer.body.toString('utf8').replace('>Caller<', '>José Ñúñez · 电话<'), 'utf8');
    const req = invite(['k: timer', 'Require: siprec', 'Session-Expires: 900', 'X-Custom: a', 'X-Custom: b'], body, offer.contentType);
    fake.send(sipRequest(req));
    const ok = await fake.response(200, 'INVITE');
    const offered = handler.offers[0];
    expect(offered?.body.contentType).toBe(offer.contentType);
    expect(offered?.body.raw.equals(body)).toBe(true);
    const s = offered?.session;
    expect(s?.id).toMatch(/^dr-/);
    expect(s?.callId).toBe(req.callId);
    expect(s?.from).toEqual({ uri: 'sip:+12125551234@127.0.0.1', display: 'SBC', tag: req.fromTag });
    expect(s?.to).toEqual({ uri: 'sip:srs@127.0.0.1' });
    expect(s?.requestUri).toBe('sip:srs@127.0.0.1');
    expect(s?.source).toEqual({ address: '127.0.0.1', port: 5070, transport: 'udp' });
    expect(s?.header('supported')).toEqual(['timer']);
    expect(s?.header('x-custom')).toEqual(['a', 'b']);
    expect(s?.require).toEqual(['siprec']);
    expect(s?.supported).toEqual(['timer']);
    expect(s?.timer).toEqual({ interval: 900, refresher: 'uac' });
    expect(typeof s?.receivedAt).toBe('number');
    // The 200: our SDP, Contact with +sip.srs on drachtio-server's advertised address, the timer.
    expect(ok.body.toString()).toBe(ANSWER_SDP);
    expect(ok.header('contact')).toBe('<sip:127.0.0.1:5060;transport=udp>;+sip.srs');
    expect(ok.header('session-expires')).toBe('900;refresher=uac');
    expect(ok.header('require')).toBe('timer');
  });

  it('a body that was not UTF-8 is passed on as drachtio-srf decoded it, with a warning', async () => {
    const sink = new PassThrough();
    const lines: string[] = [];
    sink.on('data', (c: Buffer) => lines.push(c.toString()));
    const { fake, handler } = await setup({ logger: createLogger({ level: 'warn', destination: sink }) });
    // Latin-1 é (0xE9) in an SDP s= line: invalid UTF-8, lost in drachtio-srf's wire protocol.
    const body = Buffer.concat([Buffer.from(OFFER_SDP.replace('s=-', 's=caf')), Buffer.from([0xe9])]);
    fake.send(sipRequest(invite([], body)));
    await fake.response(200, 'INVITE');
    expect(handler.offers[0]?.body.raw.includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(true);
    expect(lines.join('')).toContain('not valid UTF-8');
  });

  it('gives drachtio-server an explicit refresher: the SRC\'s, or uac when it names none; none without timer support', async () => {
    const { fake, handler } = await setup();
    const uas = invite(['Supported: timer', 'Session-Expires: 1800;refresher=uas']);
    const a = await established(fake, uas);
    expect(a.ok.header('session-expires')).toBe('1800;refresher=uas');
    expect(fake.armedTimers.get(uas.callId)).toBe('1800;refresher=uas');
    expect(handler.offers[0]?.session.timer).toEqual({ interval: 1800, refresher: 'uas' });

    const unnamed = invite(['Supported: timer', 'Session-Expires: 300']);
    const b = await established(fake, unnamed);
    expect(b.ok.header('session-expires')).toBe('300;refresher=uac');
    expect(fake.armedTimers.get(unnamed.callId)).toBe('300;refresher=uac');

    const plain = invite([]);
    const c = await established(fake, plain);
    expect(c.ok.header('session-expires')).toBeUndefined();
    expect(handler.offers[2]?.session.timer).toBeUndefined();
  });

  it('422 with our Min-SE for a too-small interval, also on a re-INVITE', async () => {
    const { fake, handler } = await setup({ minSE: 120 });
    fake.send(sipRequest(invite(['Supported: timer', 'Session-Expires: 100'])));
    expect((await fake.response(422, 'INVITE')).header('min-se')).toBe('120');
    expect(handler.offers).toHaveLength(0);
    const { req, toTag } = await established(fake, invite(['Supported: timer', 'Session-Expires: 600']));
    fake.send(sipRequest({ method: 'INVITE', uac: SRC, callId: req.callId, fromTag: req.fromTag, toTag, cseq: 2, body: OFFER_SDP, extra: ['Session-Expires: 100'] }));
    expect((await fake.response(422, 'INVITE')).header('min-se')).toBe('120');
    expect(handler.reoffers).toHaveLength(0);
  });

  it('an ACK and a BYE read in the same chunk as the 200\'s acknowledgement still end the session', async () => {
    const { fake, server, handler } = await setup({}, true);
    const req = invite();
    fake.send(sipRequest(req));
    const ok = await fake.response(200, 'INVITE');
    // Both go out before the fake's next write: drachtio-srf reads acknowledgement, ACK and BYE at once.
    fake.send(ackFor(req, ok, false));
    fake.send(sipRequest({ method: 'BYE', uac: SRC, callId: req.callId, fromTag: req.fromTag, toTag: tagOf(ok.header('to')), cseq: 2 }));
    await fake.response(200, 'BYE');
    await handler.waitEnded(1);
    expect(handler.endings[0]?.reason).toBe('bye');
    expect(server.stats()).toMatchObject({ sessions: 0, dialogs: 0 });
  });

  it('hangup before the ACK: ended at once, BYE only once the ACK is in (RFC 3261 §15)', async () => {
    const { fake, server, handler } = await setup();
    const req = invite();
    fake.send(sipRequest(req));
    const ok = await fake.response(200, 'INVITE');
    const id = handler.offers[0]?.session.id ?? '';
    await server.hangup(id, 'hangup');
    expect(handler.endings).toEqual([{ id, reason: 'hangup' }]);
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.network.filter((m) => m.method === 'BYE')).toHaveLength(0);
    fake.send(ackFor(req, ok, false));
    const bye = await fake.request('BYE');
    fake.replyToApp(bye, 200);
    await until(() => server.stats().sessions === 0, 'released');
    expect(handler.endings).toHaveLength(1);
  });

  it('hangup while the engine holds the offer: 480, and the late answer is dropped', async () => {
    const { fake, server, handler } = await setup();
    const answer = deferred<OfferAnswer>();
    handler.onOffer = () => answer.promise;
    fake.send(sipRequest(invite()));
    await until(() => handler.offers.length === 1, 'offered');
    const id = handler.offers[0]?.session.id ?? '';
    await server.hangup(id, 'hangup');
    await fake.response(480, 'INVITE');
    answer.resolve({ ok: true, sdp: ANSWER_SDP });
    await new Promise((r) => setTimeout(r, 50));
    expect(fake.network.filter((m) => m.status === 200)).toHaveLength(0);
    expect(handler.endings).toEqual([{ id, reason: 'hangup' }]);
  });

  it.each([
    ['ACK timeout', 'ack-timeout'],
    ['Session timer expired', 'session-expired'],
    ['CANCEL after 200 OK', 'cancel'],
  ] as const)('drachtio-server\'s own BYE (%s) ends the session as %s', async (text, reason) => {
    const { fake, server, handler } = await setup();
    const { req } = await established(fake);
    await until(() => server.stats().dialogs === 1, 'dialog');
    fake.byeFromServer(req.callId, text);
    await handler.waitEnded(1);
    expect(handler.endings[0]?.reason).toBe(reason);
    expect(server.stats().dialogs).toBe(0);
  });

  it('a CANCEL crossing our 200: drachtio-server refuses the 200, the session ends as cancel', async () => {
    const { fake, server, handler } = await setup();
    const answer = deferred<OfferAnswer>();
    handler.onOffer = () => answer.promise;
    const req = invite();
    fake.send(sipRequest(req));
    await until(() => handler.offers.length === 1, 'offered');
    // The answer goes out before the CANCEL reaches drachtio-srf, after it reached drachtio-server.
    answer.resolve({ ok: true, sdp: ANSWER_SDP });
    fake.send(sipRequest({ ...req, method: 'CANCEL', cseqMethod: 'CANCEL', body: undefined, extra: [] }));
    await fake.response(487, 'INVITE');
    await handler.waitEnded(1);
    expect(handler.endings[0]?.reason).toBe('cancel');
    expect(fake.network.filter((m) => m.status === 200 && (m.header('cseq') ?? '').endsWith('INVITE'))).toHaveLength(0);
    expect(server.stats()).toMatchObject({ sessions: 0, dialogs: 0 });
  });

  it('a second offer while one is being answered gets 500 with Retry-After (RFC 3261 §14.2)', async () => {
    const { fake, handler } = await setup();
    const { req, toTag } = await established(fake);
    const answer = deferred<OfferAnswer>();
    handler.onReoffer = () => answer.promise;
    const re = (cseq: number): RequestSpec => ({ method: 'INVITE', uac: SRC, callId: req.callId, fromTag: req.fromTag, toTag, cseq, body: OFFER_SDP });
    fake.send(sipRequest(re(2)));
    await until(() => handler.reoffers.length === 1, 'first re-offer');
    fake.send(sipRequest(re(3)));
    const busy = await fake.response(500, 'INVITE');
    expect(busy.startLine).toBe('SIP/2.0 500 Previous Offer Pending');
    expect(Number(busy.header('retry-after'))).toBeLessThanOrEqual(10);
    answer.resolve({ ok: true, sdp: ANSWER_SDP });
    expect((await fake.response(200, 'INVITE')).header('cseq')).toBe('2 INVITE');
  });

  it('a re-INVITE or UPDATE from a source the allow-list refuses gets 403; the engine never sees it', async () => {
    const { fake, server, handler } = await setup({ allowSource: (address) => address === '127.0.0.1' });
    const { req, toTag } = await established(fake);
    const inDialog = (method: string, cseq: number, body?: string): RequestSpec => ({ method, uac: SRC, callId: req.callId, fromTag: req.fromTag, toTag, cseq, ...(body ? { body } : {}) });
    // Same dialog, sent from another address (drachtio-server matches dialogs by Call-ID and tags only).
    const elsewhere = (spec: RequestSpec): string => sipRequest(spec).toString().replace('SIP/2.0/UDP 127.0.0.1:', 'SIP/2.0/UDP 192.0.2.7:');
    fake.send(elsewhere(inDialog('INVITE', 2, OFFER_SDP)));
    await fake.response(403, 'INVITE');
    fake.send(elsewhere(inDialog('UPDATE', 3)));
    await fake.response(403, 'UPDATE');
    expect(handler.reoffers).toEqual([]);
    expect(server.stats().rejected['source-not-allowed']).toBe(2);
    expect(server.stats().dialogs).toBe(1);
    // The SRC itself still re-offers.
    fake.send(sipRequest(inDialog('INVITE', 4, OFFER_SDP)));
    await fake.response(200, 'INVITE');
    expect(handler.reoffers).toHaveLength(1);
  });

  it('refuses before the engine: 420 for an unknown Require, 400 without Contact, 486 past maxCallsPerSource', async () => {
    const { fake, server, handler } = await setup({ maxCallsPerSource: 1 });
    fake.send(sipRequest(invite(['Require: siprec, 100rel'])));
    expect((await fake.response(420, 'INVITE')).header('unsupported')).toBe('100rel');
    const noContact = sipRequest(invite()).toString().replace(/^Contact:.*\r\n/m, '');
    fake.send(noContact);
    expect((await fake.response(400, 'INVITE')).startLine).toBe('SIP/2.0 400 Missing Contact Header');
    const first = await established(fake);
    fake.send(sipRequest(invite()));
    await fake.response(486, 'INVITE');
    expect(server.stats().rejected['calls-per-source']).toBe(1);
    expect(handler.offers).toHaveLength(1);
    // The slot frees when the call ends.
    fake.send(sipRequest({ method: 'BYE', uac: SRC, callId: first.req.callId, fromTag: first.req.fromTag, toTag: first.toTag, cseq: 2 }));
    await fake.response(200, 'BYE');
    await handler.waitEnded(1);
    fake.send(sipRequest(invite()));
    await fake.response(200, 'INVITE');
    expect(server.stats().responsesByCode).toMatchObject({ 200: 2, 400: 1, 420: 1, 486: 1 });
  });

  it('an INVITE the admission control sheds gets 503 with its Retry-After, counted, never reaching the engine', async () => {
    let admit = false;
    const { fake, server, handler } = await setup({ admission: { admit: () => admit, retryAfterSeconds: 3, close: () => undefined } });
    fake.send(sipRequest(invite()));
    expect((await fake.response(503, 'INVITE')).header('retry-after')).toBe('3');
    expect(server.stats().rejected.overload).toBe(1);
    expect(handler.offers).toHaveLength(0);
    admit = true;
    await established(fake);
    expect(handler.offers).toHaveLength(1);
  });

  it('an engine failure keeps its status, reason and headers; a status drachtio-srf does not know keeps its class', async () => {
    const { fake, handler } = await setup();
    handler.onOffer = async () => ({ ok: false, status: 503, reason: 'Too Many Recordings', headers: { 'Retry-After': '5' } });
    fake.send(sipRequest(invite()));
    const busy = await fake.response(503, 'INVITE');
    expect(busy.startLine).toBe('SIP/2.0 503 Too Many Recordings');
    expect(busy.header('retry-after')).toBe('5');
    expect(busy.header('reason')).toBe('SIP;cause=503;text="Too Many Recordings"');
    handler.onOffer = async () => ({ ok: false, status: 499, reason: 'Odd' });
    fake.send(sipRequest(invite()));
    expect((await fake.response(400, 'INVITE')).startLine).toBe('SIP/2.0 400 Odd');
    expect(handler.endings.map((e) => e.reason)).toEqual(['rejected', 'rejected']);
  });
});
