/**
 * RFC 3261 §17 transaction state machines with fake time: Timer G/H/I/L (INVITE server),
 * Timer J (non-INVITE server), Timer E/F/K (non-INVITE client); and the dialog's 2xx
 * retransmission (§13.3.1.4).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { Dialog } from '../../../src/sip/native/dialog.js';
import { SipHeaders, type SipResponse } from '../../../src/sip/native/message.js';
import { TimerSet } from '../../../src/sip/native/timers.js';
import { InviteServerTransaction } from '../../../src/sip/native/transaction-invite-server.js';
import { NonInviteClientTransaction } from '../../../src/sip/native/transaction-non-invite-client.js';
import { NonInviteServerTransaction } from '../../../src/sip/native/transaction-non-invite-server.js';
import type { TransactionDeps } from '../../../src/sip/native/transaction.js';
import { ExpiryQueue, expirySlackMs } from '../../../src/sip/native/expiry-queue.js';

const T = { t1: 500, t2: 4000, t4: 5000 };
let timers: TimerSet;
let start = 0;
let sent: number[];

/** Timer L and J end in the layer's expiry queue, up to its slack (250 ms at T1 = 500) after 64×T1. */
const SLACK = expirySlackMs(64 * T.t1);

function deps(reliable: boolean): TransactionDeps {
  const linger = new ExpiryQueue<{ terminate(): void }>(timers, 64 * T.t1, SLACK, (tx) => tx.terminate());
  return { timers, t: T, reliable, logger: silentLogger(), linger };
}

function at(): number {
  return Date.now() - start;
}

beforeEach(() => {
  vi.useFakeTimers();
  timers = new TimerSet((err) => {
    throw err;
  });
  start = Date.now();
  sent = [];
});
afterEach(() => {
  timers.clearAll();
  vi.useRealTimers();
});

const DATA = Buffer.from('x');

function response(status: number): SipResponse {
  return { kind: 'response', status, reason: '', headers: new SipHeaders(), body: Buffer.alloc(0) };
}

describe('InviteServerTransaction (§17.2.1, RFC 6026)', () => {
  function make(reliable = false) {
    const events: string[] = [];
    const tx = new InviteServerTransaction('k', deps(reliable), {
      send: () => sent.push(at()),
      onTerminated: () => events.push(`terminated@${at()}`),
      onAckTimeout: () => events.push(`ack-timeout@${at()}`),
    });
    return { tx, events };
  }

  it('retransmits a failure with Timer G (T1 doubling to T2) until the ACK, then Timer I', () => {
    const { tx, events } = make();
    tx.respond(100, DATA);
    tx.respond(486, DATA);
    vi.advanceTimersByTime(16_000);
    expect(sent).toEqual([0, 0, 500, 1500, 3500, 7500, 11500, 15500]);
    expect(tx.onAck()).toBe(true);
    expect(tx.state).toBe('confirmed');
    vi.advanceTimersByTime(10_000);
    expect(sent).toHaveLength(8);
    expect(events).toEqual(['terminated@21000']);
    expect(timers.size).toBe(0);
  });

  it('gives up at Timer H = 64*T1 without an ACK', () => {
    const { tx, events } = make();
    tx.respond(500, DATA);
    vi.advanceTimersByTime(40_000);
    expect(events).toEqual(['ack-timeout@32000', 'terminated@32000']);
    expect(tx.state).toBe('terminated');
  });

  it('over TCP sends no retransmission and ends on the ACK at once', () => {
    const { tx, events } = make(true);
    tx.respond(404, DATA);
    vi.advanceTimersByTime(10_000);
    expect(sent).toEqual([0]);
    tx.onAck();
    expect(events).toEqual(['terminated@10000']);
  });

  it('answers INVITE retransmissions with the last response and keeps the 2xx state for Timer L', () => {
    const { tx, events } = make();
    tx.onRetransmission();
    expect(sent).toEqual([]);
    tx.respond(100, DATA);
    tx.onRetransmission();
    tx.respond(200, DATA);
    expect(tx.state).toBe('accepted');
    expect(tx.respond(200, DATA)).toBe(false);
    tx.onRetransmission();
    expect(sent).toEqual([0, 0, 0, 0]);
    vi.advanceTimersByTime(31_999);
    expect(tx.state).toBe('accepted');
    tx.onRetransmission();
    expect(sent).toHaveLength(5);
    vi.advanceTimersByTime(1 + SLACK);
    expect(events).toEqual([`terminated@${32_000 + SLACK}`]);
    expect(timers.size).toBe(0);
  });
});

describe('NonInviteServerTransaction (§17.2.2)', () => {
  it('absorbs retransmissions: nothing while trying, the final response after; Timer J', () => {
    let terminated = -1;
    const tx = new NonInviteServerTransaction('k', deps(false), { send: () => sent.push(at()), onTerminated: () => (terminated = at()) });
    tx.onRetransmission();
    expect(sent).toEqual([]);
    tx.respond(200, DATA);
    vi.advanceTimersByTime(1000);
    tx.onRetransmission();
    expect(sent).toEqual([0, 1000]);
    vi.advanceTimersByTime(30_999);
    expect(terminated).toBe(-1);
    vi.advanceTimersByTime(1 + SLACK);
    expect(terminated).toBe(32_000 + SLACK);
  });

  it('ends at once over TCP', () => {
    let terminated = -1;
    const tx = new NonInviteServerTransaction('k', deps(true), { send: () => sent.push(at()), onTerminated: () => (terminated = at()) });
    tx.respond(481, DATA);
    expect(terminated).toBe(0);
  });
});

describe('NonInviteClientTransaction (§17.1.2)', () => {
  function make(reliable = false) {
    let onErr: (e: Error) => void = () => undefined;
    const tx = new NonInviteClientTransaction('k', DATA, deps(reliable), {
      send: (_d, onError) => {
        sent.push(at());
        onErr = onError;
      },
      onTerminated: () => undefined,
    });
    return { tx, fail: (e: Error) => onErr(e) };
  }

  it('retransmits with Timer E (T1 doubling to T2) and times out at Timer F', async () => {
    const { tx } = make();
    const done = tx.start();
    await vi.advanceTimersByTimeAsync(32_000);
    expect(sent).toEqual([0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500]);
    const outcome = await done;
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.code).toBe('SIP_TRANSACTION_TIMEOUT');
    expect(tx.state).toBe('terminated');
  });

  it('after a provisional retransmits every T2; a final response resolves it and Timer K absorbs the rest', async () => {
    const { tx } = make();
    const done = tx.start();
    await vi.advanceTimersByTimeAsync(600);
    tx.onResponse(response(100));
    await vi.advanceTimersByTimeAsync(9000);
    expect(sent).toEqual([0, 500, 1500, 5500, 9500]);
    tx.onResponse(response(200));
    tx.onResponse(response(200));
    const outcome = await done;
    expect(outcome.ok && outcome.response.status).toBe(200);
    expect(tx.state).toBe('completed');
    await vi.advanceTimersByTimeAsync(5000);
    expect(tx.state).toBe('terminated');
    expect(timers.size).toBe(0);
  });

  it('over TCP sends once and reports a transport error', async () => {
    const { tx, fail } = make(true);
    const done = tx.start();
    fail(new Error('ECONNRESET'));
    const outcome = await done;
    expect(!outcome.ok && outcome.error.code).toBe('SIP_TRANSPORT_ERROR');
    expect(sent).toEqual([0]);
    expect(timers.size).toBe(0);
  });
});

describe('Dialog', () => {
  function dialog(routeSet: string[] = []) {
    return new Dialog({
      callId: 'cid',
      localTag: 'lt',
      remoteTag: 'rt',
      localUri: '<sip:srs@example.net>',
      remoteUri: '"SBC" <sip:+12125550100@sbc.example.net>;tag=rt',
      remoteTarget: 'sip:sbc@192.0.2.10:5070;transport=udp',
      routeSet,
      remoteCSeq: 5,
      source: { transport: 'udp', address: '192.0.2.10', port: 5070 },
    });
  }

  it('builds a BYE with swapped From/To, incremented CSeq and the remote target (§12.2.1.1)', () => {
    const d = dialog();
    const first = d.buildRequest('BYE', { via: 'SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1' }).data.toString();
    expect(first.split('\r\n')).toEqual(
      expect.arrayContaining([
        'BYE sip:sbc@192.0.2.10:5070;transport=udp SIP/2.0',
        'From: <sip:srs@example.net>;tag=lt',
        'To: "SBC" <sip:+12125550100@sbc.example.net>;tag=rt',
        'Call-ID: cid',
        'CSeq: 1 BYE',
        'Content-Length: 0',
      ]),
    );
    expect(d.buildRequest('UPDATE', { via: 'v' }).cseq).toBe(2);
  });

  it('routes through loose routers with Route headers, and rewrites for a strict router', () => {
    const loose = dialog(['<sip:p1.example.net;lr>', '<sip:p2.example.net;lr>']).routing();
    expect(loose.requestUri).toBe('sip:sbc@192.0.2.10:5070;transport=udp');
    expect(loose.routes).toEqual(['<sip:p1.example.net;lr>', '<sip:p2.example.net;lr>']);
    expect(loose.nextHop?.host).toBe('p1.example.net');
    const strict = dialog(['<sip:p1.example.net>', '<sip:p2.example.net;lr>']).routing();
    expect(strict.requestUri).toBe('sip:p1.example.net');
    expect(strict.routes).toEqual(['<sip:p2.example.net;lr>', '<sip:sbc@192.0.2.10:5070;transport=udp>']);
  });

  it('rejects a lower remote CSeq (§12.2.2) and refreshes the target', () => {
    const d = dialog();
    expect(d.acceptRemoteCSeq(4)).toBe(false);
    expect(d.acceptRemoteCSeq(6)).toBe(true);
    d.refreshTarget('<sip:sbc@192.0.2.20:5080>;+sip.src');
    expect(d.routing().requestUri).toBe('sip:sbc@192.0.2.20:5080');
  });

  it('retransmits its 2xx with T1 doubling to T2 until the ACK (§13.3.1.4)', () => {
    const d = dialog();
    let timedOut = false;
    d.awaitAck(1, DATA, { timers, t: T, reliable: false, send: () => sent.push(at()), onTimeout: () => (timedOut = true) });
    vi.advanceTimersByTime(12_000);
    expect(sent).toEqual([500, 1500, 3500, 7500, 11500]);
    expect(d.onAck(2)).toBe(false);
    expect(d.onAck(1)).toBe(true);
    vi.advanceTimersByTime(40_000);
    expect(sent).toHaveLength(5);
    expect(timedOut).toBe(false);
    expect(timers.size).toBe(0);
  });

  it('gives up after 64*T1 without an ACK', () => {
    const d = dialog();
    let timedOutAt = -1;
    d.awaitAck(1, DATA, { timers, t: T, reliable: true, send: () => sent.push(at()), onTimeout: () => (timedOutAt = at()) });
    vi.advanceTimersByTime(40_000);
    expect(sent).toEqual([]);
    expect(timedOutAt).toBe(32_000);
    expect(d.awaitingAck).toBe(false);
  });
});
