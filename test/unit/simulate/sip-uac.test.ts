/**
 * The simulator's UAC against a scripted UAS on a real UDP socket: INVITE retransmission per T1
 * until a response, the ACK for a non-2xx (same branch) and for a 2xx (new transaction to the
 * Contact), in-dialog requests, and callguard's BYE answered with 200.
 */
import dgram from 'node:dgram';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseCSeq, parseNameAddr, parseVia } from '../../../src/sip/native/header-values.js';
import type { SipRequest } from '../../../src/sip/native/message.js';
import { parseDatagram } from '../../../src/sip/native/parser.js';
import { buildRequest, buildResponse, type HeaderPair } from '../../../src/sip/native/serializer.js';
import { SipUac } from '../../../src/simulate/sip-uac.js';

interface Received {
  req: SipRequest;
  at: number;
  port: number;
}

class ScriptedUas {
  readonly received: Received[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly socket: dgram.Socket) {
    socket.on('message', (buf, rinfo) => {
      const r = parseDatagram(buf, { maxBytes: 65535 });
      if (r.ok && r.message.kind === 'request') {
        this.received.push({ req: r.message, at: performance.now(), port: rinfo.port });
        for (const w of this.waiters.splice(0)) w();
      }
    });
  }
  static async open(): Promise<ScriptedUas> {
    const socket = dgram.createSocket('udp4');
    await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
    return new ScriptedUas(socket);
  }
  get port(): number {
    return this.socket.address().port;
  }
  async waitFor(n: number, timeoutMs = 3000): Promise<void> {
    const until = performance.now() + timeoutMs;
    while (this.received.length < n) {
      if (performance.now() > until) throw new Error(`only ${this.received.length} requests arrived`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 20);
      });
    }
  }
  respond(to: Received, status: number, reason: string, headers: HeaderPair[] = [], toTag = 'uas-tag'): void {
    const h = to.req.headers;
    const data = buildResponse(
      {
        vias: h.list('via'),
        from: h.get('from') ?? '',
        to: h.get('to') ?? '',
        toHasTag: parseNameAddr(h.get('to') ?? '')?.tag !== undefined,
        callId: h.get('call-id') ?? '',
        cseq: h.get('cseq') ?? '',
      },
      status,
      reason,
      { toTag, headers },
    );
    this.socket.send(data, to.port, '127.0.0.1');
  }
  close(): Promise<void> {
    return new Promise((r) => this.socket.close(() => r()));
  }
}

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function setup(onBye?: () => void, t1Ms = 50) {
  const uas = await ScriptedUas.open();
  const uac = await SipUac.connect({ transport: 'udp', target: { address: '127.0.0.1', port: uas.port }, t1Ms, ...(onBye ? { onBye } : {}) });
  cleanup.push(() => uac.close(), () => uas.close());
  return { uas, uac };
}

const body = { contentType: 'application/sdp', body: Buffer.from('v=0\r\n') };
const branchOf = (r: Received): string | undefined => parseVia(r.req.headers.list('via')[0] ?? '')?.branch;

describe('SipUac over UDP', () => {
  it('retransmits the INVITE at T1, 2·T1 until a response, then ACKs a non-2xx on the same branch', async () => {
    const { uas, uac } = await setup(undefined, 100);
    const invite = uac.invite(body, [['Require', 'siprec']]);
    await uas.waitFor(3); // the original and two retransmissions
    const [first, second, third] = uas.received;
    expect(first!.req.method).toBe('INVITE');
    expect(branchOf(second!)).toBe(branchOf(first!));
    // Receive times jitter on a loaded machine: generous margins around 100 ms, then 200 ms. The
    // timers run from the send, so a late first receive shortens both gaps (CI saw 278 ms for 300):
    // the doubling is the second gap, which a fixed 100 ms interval could only reach by 50 ms of lag.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(70);
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(150); // doubled
    expect(third!.at - first!.at).toBeGreaterThanOrEqual(240);
    expect(first!.req.headers.get('require')).toBe('siprec');

    uas.respond(first!, 486, 'Busy Here');
    const res = await invite;
    expect(res.status).toBe(486);
    await uas.waitFor(4);
    const ack = uas.received.at(-1)!;
    expect(ack.req.method).toBe('ACK');
    expect(branchOf(ack)).toBe(branchOf(first!));
    expect(ack.req.uri).toBe(first!.req.uri);
    expect(parseNameAddr(ack.req.headers.get('to') ?? '')?.tag).toBe('uas-tag');
    expect(parseCSeq(ack.req.headers.get('cseq') ?? '')).toEqual({ seq: 1, method: 'ACK' });

    // The 486 again (our ACK was lost, as far as the UAS knows): ACK again, record it once.
    const count = uas.received.length;
    uas.respond(first!, 486, 'Busy Here');
    await uas.waitFor(count + 1);
    expect(uas.received.at(-1)!.req.method).toBe('ACK');
    expect(uac.responses).toEqual([{ method: 'INVITE', code: 486 }]);
    expect(uac.established).toBe(false);
  });

  it('a provisional response stops INVITE retransmissions', async () => {
    const { uas, uac } = await setup();
    const invite = uac.invite(body, []);
    await uas.waitFor(1);
    uas.respond(uas.received[0]!, 100, 'Trying');
    await new Promise((r) => setTimeout(r, 300));
    expect(uas.received).toHaveLength(1);
    uas.respond(uas.received[0]!, 503, 'Service Unavailable');
    expect((await invite).status).toBe(503);
    expect(uac.responses).toEqual([
      { method: 'INVITE', code: 100 },
      { method: 'INVITE', code: 503 },
    ]);
  });

  it('ACKs a 2xx to the Contact, then sends in-dialog requests with the remote tag and rising CSeq', async () => {
    const onBye = vi.fn();
    const { uas, uac } = await setup(onBye);
    const invite = uac.invite(body, []);
    await uas.waitFor(1);
    const inv = uas.received[0]!;
    const contact = `<sip:srs@127.0.0.1:${uas.port};transport=udp>`;
    uas.respond(inv, 200, 'OK', [['Contact', contact], ['Content-Type', 'application/sdp']]);
    expect((await invite).status).toBe(200);
    expect(uac.established).toBe(true);
    await uas.waitFor(2);
    const ack = uas.received[1]!;
    expect(ack.req.method).toBe('ACK');
    expect(ack.req.uri).toBe(`sip:srs@127.0.0.1:${uas.port};transport=udp`);
    expect(branchOf(ack)).not.toBe(branchOf(inv));
    expect(parseCSeq(ack.req.headers.get('cseq') ?? '')).toEqual({ seq: 1, method: 'ACK' });

    // A retransmitted 200 (the UAS did not get our ACK) is ACKed again.
    uas.respond(inv, 200, 'OK', [['Contact', contact]]);
    await uas.waitFor(3);
    expect(uas.received[2]!.req.method).toBe('ACK');

    const update = uac.request('UPDATE', [['Session-Expires', '90;refresher=uac']]);
    await uas.waitFor(4);
    const upd = uas.received[3]!;
    expect(upd.req.method).toBe('UPDATE');
    expect(parseNameAddr(upd.req.headers.get('to') ?? '')?.tag).toBe('uas-tag');
    expect(parseCSeq(upd.req.headers.get('cseq') ?? '')).toEqual({ seq: 2, method: 'UPDATE' });
    expect(upd.req.headers.get('call-id')).toBe(uac.callId);
    uas.respond(upd, 200, 'OK', [], 'uas-tag');
    expect((await update).status).toBe(200);

    // The UAS hangs up: 200, and onBye once even for a retransmitted BYE.
    const localTag = uac.localTag;
    const bye = buildRequest('BYE', `sip:src@127.0.0.1`, [
      ['Via', `SIP/2.0/UDP 127.0.0.1:${uas.port};branch=z9hG4bKbye1;rport`],
      ['From', `<sip:srs@127.0.0.1>;tag=uas-tag`],
      ['To', `<sip:src@127.0.0.1>;tag=${localTag}`],
      ['Call-ID', uac.callId],
      ['CSeq', '1 BYE'],
      ['Max-Forwards', '70'],
    ]);
    const answers: number[] = [];
    const watcher = dgram.createSocket('udp4');
    cleanup.push(() => new Promise((r) => watcher.close(() => r())));
    watcher.on('message', (buf) => {
      const r = parseDatagram(buf, { maxBytes: 65535 });
      if (r.ok && r.message.kind === 'response') answers.push(r.message.status);
    });
    await new Promise<void>((r) => watcher.bind(0, '127.0.0.1', r));
    const uacPort = uac.local.port;
    watcher.send(bye, uacPort, '127.0.0.1');
    watcher.send(bye, uacPort, '127.0.0.1');
    await vi.waitFor(() => expect(answers).toEqual([200, 200]));
    expect(onBye).toHaveBeenCalledTimes(1);
    expect(uac.endedByPeer).toBe(true);
    await expect(uac.request('BYE')).rejects.toThrow(/callguard ended the dialog/);
    expect(uac.responses.map((r) => `${r.method} ${r.code}`)).toEqual(['INVITE 200', 'UPDATE 200']);
  });

  it('gives up after 64·T1 without a final response', async () => {
    const silent = await ScriptedUas.open(); // receives, never answers
    cleanup.push(() => silent.close());
    const uac = await SipUac.connect({ transport: 'udp', target: { address: '127.0.0.1', port: silent.port }, t1Ms: 5 });
    cleanup.push(() => uac.close());
    const t0 = performance.now();
    await expect(uac.invite(body, [])).rejects.toMatchObject({ code: 'SIMULATE_SIP_TIMEOUT' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(64 * 5 - 5);
    // T1, 2·T1, 4·T1, …: 6 retransmissions fit in 64·T1 (5+10+20+40+80+160 = 315 ms); a loaded
    // machine delays each timer, so fewer may fit, never more.
    expect(silent.received.length).toBeGreaterThanOrEqual(4);
    expect(silent.received.length).toBeLessThanOrEqual(7);
  });
});
