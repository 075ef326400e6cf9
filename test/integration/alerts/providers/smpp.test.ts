/**
 * SmppSmsProvider against a real SMPP server (the `smpp` package's server side, test/support/smsc-server.ts)
 * over TCP on 127.0.0.1. Reconnect and enquire_link timings are shrunk through options; every wait is a
 * generous hang guard, never a speed assertion.
 */
import net, { type AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SmppSmsProvider, type SmppSmsProviderOptions } from '../../../../src/alerts/providers/smpp/index.js';
import { SmsError, type DeliveryReceipt, type InboundSms, type SmsMessage } from '../../../../src/alerts/types.js';
import { createLogger } from '../../../../src/log.js';
import { ESME, TestSmsc } from '../../../support/smsc-server.js';

const SUBSCRIBER = '+447700900123';

let smsc: TestSmsc;
let provider: SmppSmsProvider | undefined;

function msg(text: string, over: Partial<SmsMessage> = {}): SmsMessage {
  return { to: SUBSCRIBER, from: 'CallGuard', text, reference: 'alert-1', callId: 'call-1', ...over };
}

async function connect(over: Partial<SmppSmsProviderOptions> = {}): Promise<SmppSmsProvider> {
  provider = new SmppSmsProvider({
    url: smsc.url,
    systemId: smsc.systemId,
    password: smsc.password,
    reconnectMs: 20,
    reconnectMaxMs: 200,
    submitTimeoutMs: 5000,
    closeTimeoutMs: 1000,
    ...over,
  });
  await provider.start();
  return provider;
}

async function rejection(p: Promise<unknown>): Promise<SmsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmsError);
  return err as SmsError;
}

/** Hang guard, not a speed assertion: `p` must settle at all (a connect with no timeout takes ~2 min). */
async function settles<T>(p: Promise<T>, what: string, guardMs = 10_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${guardMs} ms`)), guardMs);
  });
  try {
    return await Promise.race([p, guard]);
  } finally {
    clearTimeout(timer);
  }
}

function lineSink(lines: string[]): Writable {
  return new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString());
      done();
    },
  });
}

function waitUntil(predicate: () => boolean, what: string): Promise<void> {
  return smsc.waitFor(predicate, what);
}

beforeEach(async () => {
  smsc = await new TestSmsc().start();
});

afterEach(async () => {
  await provider?.close();
  provider = undefined;
  await smsc.stop();
});

describe('bind and submit', () => {
  it('binds as a transceiver with the configured credentials and SMPP 3.4', async () => {
    const p = await connect({ systemType: 'CGUARD' });
    expect(p.bound).toBe(true);
    expect(smsc.binds).toEqual([
      { command: 'bind_transceiver', systemId: 'callguard', password: 'secret', systemType: 'CGUARD', interfaceVersion: 0x34 },
    ]);
  });

  it('sends a short GSM-7 message as one submit_sm with data_coding 0 and a receipt requested', async () => {
    const p = await connect();
    const text = 'CallGuard: this call looks like a scam. Hang up. @£$_ {€} [~] ^|\\ ok?';
    const result = await p.send(msg(text));

    expect(result).toEqual({ messageIds: ['smsc-1'], segments: 1 });
    expect(smsc.submits).toHaveLength(1);
    const s = smsc.submits[0]!;
    expect(s).toMatchObject({
      destinationAddr: '447700900123',
      destTon: 1,
      destNpi: 1,
      sourceAddr: 'CallGuard',
      sourceTon: 5,
      sourceNpi: 0,
      dataCoding: 0,
      esmClass: 0,
      registeredDelivery: 1,
    });
    expect(s.udh).toBeUndefined();
    expect(s.text).toBe(text);
  });

  it('splits a 250-character GSM message into 2 submit_sm with one concatenation reference', async () => {
    const p = await connect();
    const text = Array.from({ length: 250 }, (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789 '[i % 37]).join('');
    const result = await p.send(msg(text));

    expect(result.segments).toBe(2);
    expect(result.messageIds).toEqual(['smsc-1', 'smsc-2']);
    const [a, b] = smsc.submits;
    expect(a?.esmClass).toBe(0x40);
    expect(b?.esmClass).toBe(0x40);
    expect(a?.dataCoding).toBe(0);
    const ref = a!.udh![3]!;
    // UDH: length 5, IEI 0x00 (8-bit ref), IE length 3, ref, total 2, part n.
    expect([...a!.udh!]).toEqual([0x05, 0x00, 0x03, ref, 2, 1]);
    expect([...b!.udh!]).toEqual([0x05, 0x00, 0x03, ref, 2, 2]);
    expect(a!.text.length).toBe(153);
    expect(smsc.messages()).toEqual([
      { to: '447700900123', from: 'CallGuard', text, dataCoding: 0, messageIds: ['smsc-1', 'smsc-2'], parts: 2 },
    ]);
  });

  it('uses a new concatenation reference per message', async () => {
    const p = await connect();
    const long = 'x'.repeat(200);
    await p.send(msg(long));
    await p.send(msg(long, { reference: 'alert-2' }));
    const refs = smsc.submits.map((s) => s.concat?.ref);
    expect(refs[0]).toBe(refs[1]);
    expect(refs[2]).toBe(refs[3]);
    expect(refs[0]).not.toBe(refs[2]);
  });

  it('sends text outside GSM-7 as UCS-2 (data_coding 8), long ones concatenated without splitting surrogates', async () => {
    const p = await connect();
    const short = 'Внимание: похоже на мошенничество. Положите трубку.';
    await p.send(msg(short));
    expect(smsc.submits[0]).toMatchObject({ dataCoding: 8, esmClass: 0, text: short });

    const long = `${'ж'.repeat(66)}🚨${'ы'.repeat(20)}`; // the emoji straddles unit 67: it must move whole to part 2
    const result = await p.send(msg(long, { reference: 'alert-2' }));
    expect(result.segments).toBe(2);
    const parts = smsc.submits.slice(1);
    expect(parts.map((s) => s.dataCoding)).toEqual([8, 8]);
    expect(parts[0]!.text).toBe('ж'.repeat(66));
    expect(smsc.messages()[1]!.text).toBe(long);
  });

  it('keeps an international numeric sender as TON 1 / NPI 1, or the configured TON/NPI', async () => {
    const p = await connect({ sourceTon: 3, sourceNpi: 0 });
    await p.send(msg('hello', { from: '+15550001111' }));
    expect(smsc.submits[0]).toMatchObject({ sourceAddr: '15550001111', sourceTon: 3, sourceNpi: 0 });
  });
});

describe('submit_sm errors', () => {
  it('maps ESME_RTHROTTLED to a retryable SmsError, and the next send succeeds', async () => {
    const p = await connect();
    smsc.throttle();
    const err = await rejection(p.send(msg('hello')));
    expect(err.retryable).toBe(true);
    expect(err.code).toBe('ESME_RTHROTTLED');
    await expect(p.send(msg('hello'))).resolves.toMatchObject({ segments: 1 });
  });

  it('maps ESME_RMSGQFUL and ESME_RSYSERR to retryable errors', async () => {
    const p = await connect();
    smsc.failNext(ESME.RMSGQFUL).failNext(ESME.RSYSERR);
    expect(await rejection(p.send(msg('a')))).toMatchObject({ retryable: true, code: 'ESME_RMSGQFUL' });
    expect(await rejection(p.send(msg('b')))).toMatchObject({ retryable: true, code: 'ESME_RSYSERR' });
  });

  it('maps an invalid destination or source to a non-retryable SmsError', async () => {
    const p = await connect();
    smsc.failNext(ESME.RINVDSTADR).failNext(ESME.RINVSRCADR);
    expect(await rejection(p.send(msg('a')))).toMatchObject({ retryable: false, code: 'ESME_RINVDSTADR' });
    expect(await rejection(p.send(msg('b')))).toMatchObject({ retryable: false, code: 'ESME_RINVSRCADR' });
  });

  it('fails a whole long message when one segment is rejected', async () => {
    const p = await connect();
    smsc.failNext(ESME.ROK).failNext(ESME.RTHROTTLED);
    const err = await rejection(p.send(msg('y'.repeat(300))));
    expect(err).toMatchObject({ retryable: true, code: 'ESME_RTHROTTLED' });
  });

  it('turns an unanswered submit_sm into a retryable timeout', async () => {
    const p = await connect({ submitTimeoutMs: 150 });
    smsc.ignoreNext();
    expect(await rejection(p.send(msg('hello')))).toMatchObject({ retryable: true, code: 'SMPP_TIMEOUT' });
  });

  it('rejects at once when the caller aborts', async () => {
    const p = await connect();
    smsc.delay(60_000);
    const ac = new AbortController();
    const sending = p.send(msg('hello'), ac.signal);
    await smsc.waitForSubmits(1);
    ac.abort();
    expect(await rejection(sending)).toMatchObject({ retryable: true, code: 'ABORTED' });
  });

  it('queues sends beyond windowSize instead of exceeding the window', async () => {
    const p = await connect({ windowSize: 1 });
    smsc.delay(50);
    const results = await Promise.all([p.send(msg('one')), p.send(msg('two', { reference: 'alert-2' })), p.send(msg('three'))]);
    expect(results.map((r) => r.messageIds.length)).toEqual([1, 1, 1]);
    expect(smsc.submits.map((s) => s.text).sort()).toEqual(['one', 'three', 'two']);
  });
});

describe('deliver_sm', () => {
  it('passes a delivery receipt to onReceipt with the submit message id and status delivered', async () => {
    const p = await connect();
    const receipts: DeliveryReceipt[] = [];
    p.onReceipt((r) => receipts.push(r));
    const { messageIds } = await p.send(msg('hello'));

    const status = await smsc.sendReceipt(messageIds[0]!);
    expect(status).toBe(0); // deliver_sm_resp OK
    await waitUntil(() => receipts.length === 1, 'the receipt');
    expect(receipts[0]).toMatchObject({ messageId: 'smsc-1', status: 'delivered', detail: 'DELIVRD' });
  });

  it('reads receipts from the text alone and from the TLVs alone', async () => {
    const p = await connect();
    const receipts: DeliveryReceipt[] = [];
    p.onReceipt((r) => receipts.push(r));
    smsc.messageIdFor = (s) => `0A1B_${s.n}`; // '_' is 0x11 in GSM 03.38: the receipt must be read as ASCII
    const a = await p.send(msg('one'));
    const b = await p.send(msg('two'));

    await smsc.sendReceipt(a.messageIds[0]!, { format: 'text', stat: 'UNDELIV' });
    await smsc.sendReceipt(b.messageIds[0]!, { format: 'tlv', stat: 'EXPIRED' });
    await waitUntil(() => receipts.length === 2, 'two receipts');
    expect(receipts).toMatchObject([
      { messageId: '0A1B_1', status: 'undelivered', detail: 'UNDELIV' },
      { messageId: '0A1B_2', status: 'undelivered', detail: 'EXPIRED' },
    ]);
  });

  it('passes a subscriber message to onInbound, decoded, with an E.164 sender', async () => {
    const p = await connect();
    const inbound: InboundSms[] = [];
    const receipts: DeliveryReceipt[] = [];
    p.onInbound((s) => inbound.push(s));
    p.onReceipt((r) => receipts.push(r));

    expect(await smsc.sendInbound(SUBSCRIBER, 'NOT SCAM @home')).toBe(0);
    expect(await smsc.sendInbound(SUBSCRIBER, 'Это не мошенник')).toBe(0);
    await waitUntil(() => inbound.length === 2, 'two inbound messages');
    expect(inbound.map(({ from, text }) => ({ from, text }))).toEqual([
      { from: SUBSCRIBER, text: 'NOT SCAM @home' },
      { from: SUBSCRIBER, text: 'Это не мошенник' },
    ]);
    expect(receipts).toEqual([]);
  });

  it('reassembles a concatenated inbound message before passing it on', async () => {
    const p = await connect();
    const inbound: InboundSms[] = [];
    p.onInbound((s) => inbound.push(s));
    const text = 'This was my bank calling, not a scam. '.repeat(6);
    await smsc.sendInbound(SUBSCRIBER, text, { parts: 'auto' });
    await waitUntil(() => inbound.length === 1, 'the reassembled message');
    expect(inbound[0]!.text).toBe(text);
    expect(smsc.deliverResponses).toEqual([0, 0]);
  });

  it('answers every deliver_sm even when a listener throws', async () => {
    const p = await connect();
    p.onInbound(() => {
      throw new Error('listener bug');
    });
    expect(await smsc.sendInbound(SUBSCRIBER, 'stop')).toBe(0);
    expect(await smsc.sendInbound(SUBSCRIBER, 'stop')).toBe(0);
  });
});

describe('link management', () => {
  it('sends enquire_link every enquireLinkMs', async () => {
    await connect({ enquireLinkMs: 30 });
    await waitUntil(() => smsc.enquireLinks >= 2, 'two enquire_link');
  });

  it('fails fast while unbound, rebinds by itself after the SMSC restarts, then sends', async () => {
    const p = await connect();
    await smsc.stop();
    await waitUntil(() => !p.bound, 'the provider to notice');

    expect(await rejection(p.send(msg('hello')))).toMatchObject({ retryable: true, code: 'SMPP_NOT_BOUND' });

    await smsc.start();
    await waitUntil(() => p.bound, 'the provider to rebind');
    expect(smsc.binds.length).toBeGreaterThanOrEqual(2);
    await expect(p.send(msg('hello again'))).resolves.toMatchObject({ segments: 1 });
    expect(smsc.submits.at(-1)?.text).toBe('hello again');
  });

  it('rebinds after restart() and after a dropped connection', async () => {
    const p = await connect();
    await smsc.restart();
    await smsc.waitForBound(2);
    await waitUntil(() => p.bound, 'rebind after restart');
    smsc.dropSessions();
    await smsc.waitForBound(3);
    await waitUntil(() => p.bound, 'rebind after drop');
    await expect(p.send(msg('still here'))).resolves.toMatchObject({ messageIds: [expect.any(String)] });
  });

  it('fails an in-flight submit with a retryable error when the session drops', async () => {
    const p = await connect();
    smsc.delay(60_000);
    const sending = p.send(msg('hello'));
    await smsc.waitForSubmits(1);
    smsc.dropSessions();
    expect(await rejection(sending)).toMatchObject({ retryable: true, code: 'SMPP_CONNECTION_LOST' });
  });

  it('keeps retrying a rejected bind with back-off; start() still resolves', async () => {
    smsc.rejectBinds(ESME.RBINDFAIL);
    const p = await connect();
    expect(p.bound).toBe(false);
    await waitUntil(() => smsc.binds.length >= 3, 'repeated bind attempts');
    expect(await rejection(p.send(msg('hello')))).toMatchObject({ retryable: true, code: 'SMPP_NOT_BOUND' });
    smsc.acceptBinds();
    await waitUntil(() => p.bound, 'a successful bind');
  });

  it('start() resolves when the SMSC is unreachable, and the provider binds once it appears', async () => {
    const port = smsc.port;
    await smsc.stop();
    const p = await connect();
    expect(p.bound).toBe(false);
    await smsc.start(port);
    await waitUntil(() => p.bound, 'bind once the SMSC is up');
  });

  it('connectTimeoutMs: a TCP connect that never completes is dropped; start() settles and the provider retries', async () => {
    // A firewall that drops SYNs, without the network: net.connect hands back a socket that never connects.
    const connects = vi.spyOn(net, 'connect').mockImplementation(() => new net.Socket());
    try {
      const lines: string[] = [];
      const p = await settles(connect({ connectTimeoutMs: 100, logger: createLogger({ destination: lineSink(lines) }) }), 'start()');
      expect(p.bound).toBe(false);
      await waitUntil(() => connects.mock.calls.length >= 3, 'repeated connect attempts');
      expect(lines.join('')).toContain('smpp connect timed out');
      expect(await rejection(p.send(msg('hello')))).toMatchObject({ retryable: true, code: 'SMPP_NOT_BOUND' });
    } finally {
      connects.mockRestore();
    }
  });

  it('connectTimeoutMs: a TLS handshake that never completes is dropped; start() settles and the provider retries', async () => {
    // A local listener that accepts and then says nothing: 'secureConnect' never comes.
    const sockets = new Set<net.Socket>();
    let connections = 0;
    const silent = net.createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const p = await settles(connect({ url: `ssmpp://127.0.0.1:${port}`, connectTimeoutMs: 100 }), 'start()');
      expect(p.bound).toBe(false);
      await waitUntil(() => connections >= 3, 'repeated connect attempts');
    } finally {
      await provider?.close();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('close() unbinds gracefully, is idempotent, and later sends fail', async () => {
    const p = await connect();
    await Promise.all([p.close(), p.close()]);
    await waitUntil(() => smsc.unbinds === 1, 'the unbind');
    expect(p.bound).toBe(false);
    expect(await rejection(p.send(msg('late')))).toMatchObject({ code: 'SMPP_CLOSED' });
    await smsc.waitFor(() => smsc.boundCount === 0, 'the session to end');
  });

  it('close() is bounded when the SMSC is gone', async () => {
    const p = await connect();
    await smsc.stop();
    await p.close();
    expect(p.bound).toBe(false);
  });
});

describe('logging', () => {
  it('never logs the message text or the full recipient number', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        lines.push(chunk.toString('utf8'));
        cb();
      },
    });
    const p = await connect({ logger: createLogger({ level: 'debug', destination: sink }) });
    const secret = 'zebra-marker-7 hang up now';
    await p.send(msg(secret));
    smsc.throttle();
    await p.send(msg(secret)).catch(() => undefined);
    await smsc.sendInbound(SUBSCRIBER, 'zebra-reply-9');
    await smsc.sendReceipt('smsc-1');
    await p.close();
    const all = lines.join('');
    expect(all).toContain('smpp sms submitted');
    expect(all).not.toContain('zebra');
    expect(all).not.toContain('447700900123');
  });
});
