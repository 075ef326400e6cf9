/**
 * The session lifecycle both SIP adapters drive (src/sip/session-lifecycle.ts), with a fake
 * transport that records each effect: ended exactly once, BYE only after the ACK (RFC 3261 §15),
 * the per-source count, re-offers awaiting the engine, and shutdown.
 */
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { SessionLifecycle, type SessionTransport } from '../../../src/sip/session-lifecycle.js';
import { newSessionState, type LifecycleSession, type PendingReoffer } from '../../../src/sip/session-record.js';
import type { EndReason, OfferAnswer, RecordingSessionHandler, SessionInfo } from '../../../src/sip/types.js';

type S = LifecycleSession<PendingReoffer> & { hasDialog: boolean };

function setup(answer: OfferAnswer = { ok: true, sdp: 'v=0' }, maxCallsPerSource = 2) {
  const effects: string[] = [];
  const ended: Array<[string, EndReason]> = [];
  const transport: SessionTransport<S, PendingReoffer> = {
    refuseOffer: (s, status, retryAfter) => effects.push(`refuse ${s.id} ${status}${retryAfter === undefined ? '' : ` retry=${retryAfter}`}`),
    failOffer: (s, f) => effects.push(`fail ${s.id} ${f.status}`),
    failReoffer: (s, _p, f) => effects.push(`fail-reoffer ${s.id} ${f.status}`),
    answerPending: (s, _p, status) => effects.push(`pending ${s.id} ${status}`),
    bye: (s) => {
      if (!s.hasDialog) return null;
      effects.push(`bye ${s.id}`);
      return Promise.resolve();
    },
    forget: (s) => effects.push(`forget ${s.id}`),
  };
  const lifecycle = new SessionLifecycle<PendingReoffer, S>(
    { name: 'test', logger: silentLogger(), minSE: 90, defaultSessionExpires: 1800, maxCallsPerSource, retryAfterSeconds: 5 },
    transport,
  );
  const handler: RecordingSessionHandler = {
    offer: () => Promise.resolve(answer),
    reoffer: () => new Promise<OfferAnswer>(() => undefined),
    ended: (id, reason) => ended.push([id, reason]),
  };
  lifecycle.handler = handler;
  const start = (id: string, source = '192.0.2.1'): S => {
    const info = { id, callId: id } as SessionInfo;
    const s: S = { ...newSessionState<PendingReoffer>(info, source, true), hasDialog: true };
    lifecycle.start(s);
    return s;
  };
  return { lifecycle, effects, ended, start };
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('SessionLifecycle', () => {
  it('a hangup before the ACK reports ended at once and sends its BYE only after the ACK', async () => {
    const { lifecycle, effects, ended, start } = setup();
    const s = start('a');
    s.phase = 'answered';
    await lifecycle.hangup('a', 'hangup');
    expect(ended).toEqual([['a', 'hangup']]);
    expect(effects).toEqual([]);
    lifecycle.acked(s);
    await tick();
    expect(effects).toEqual(['bye a', 'forget a']);
    expect(s.phase).toBe('terminated');
    expect(lifecycle.sessions.size).toBe(0);
    expect(ended).toHaveLength(1);
  });

  it('counts live sessions per source and frees the slot once, when the BYE goes out', async () => {
    const { lifecycle, start } = setup();
    const a = start('a');
    start('b');
    expect(lifecycle.sourceFull('192.0.2.1')).toBe(true);
    expect(lifecycle.sourceFull('192.0.2.2')).toBe(false);
    a.phase = 'confirmed';
    const bye = lifecycle.endWithBye(a, 'hangup');
    expect(lifecycle.sourceFull('192.0.2.1')).toBe(false);
    await bye;
    lifecycle.release(a);
    start('c');
    expect(lifecycle.sourceFull('192.0.2.1')).toBe(true);
  });

  it("the engine's failure ends the offer as rejected; a late answer after CANCEL is dropped", async () => {
    const refused = setup({ ok: false, status: 403, reason: 'no subscriber' });
    const s = refused.start('a');
    refused.lifecycle.offer(s, { contentType: 'application/sdp', raw: Buffer.alloc(0) }, () => expect.fail('accepted'));
    expect(refused.lifecycle.pendingOffers).toBe(1);
    await tick();
    expect(refused.effects).toEqual(['fail a 403', 'forget a']);
    expect(refused.ended).toEqual([['a', 'rejected']]);
    expect(refused.lifecycle.pendingOffers).toBe(0);

    const cancelled = setup();
    const c = cancelled.start('c');
    cancelled.lifecycle.offer(c, { contentType: 'application/sdp', raw: Buffer.alloc(0) }, () => expect.fail('accepted'));
    cancelled.lifecycle.end(c, 'cancel');
    await tick();
    expect(cancelled.ended).toEqual([['c', 'cancel']]);
    expect(cancelled.lifecycle.pendingOffers).toBe(0);
  });

  it('an offer while another re-offer awaits the engine gets a Retry-After of 0–10 s; a bare UPDATE does not', () => {
    const { lifecycle, start } = setup();
    const s = start('a');
    s.phase = 'confirmed';
    expect(lifecycle.previousOfferPending(s, true, false)).toBeNull();
    lifecycle.reoffer(s, { isInvite: true, hasOffer: false }, null, 'invite', undefined, () => undefined);
    const retry = Number(lifecycle.previousOfferPending(s, false, true));
    expect(retry).toBeGreaterThanOrEqual(0);
    expect(retry).toBeLessThanOrEqual(10);
    expect(lifecycle.previousOfferPending(s, false, false)).toBeNull();
  });

  it('shutdown: 503 to offers, 487 to pending re-offers, BYE to dialogs, ended(shutdown) once each', async () => {
    const { lifecycle, effects, ended, start } = setup();
    start('offer');
    const live = start('live', '192.0.2.2');
    live.phase = 'confirmed';
    lifecycle.reoffer(live, { isInvite: false, hasOffer: true }, null, 'update', undefined, () => undefined);
    const noDialog = start('gone', '192.0.2.3');
    noDialog.phase = 'answered';
    noDialog.hasDialog = false;
    await Promise.allSettled(lifecycle.closeAll());
    lifecycle.forgetAll();
    expect(effects).toEqual(['refuse offer 503 retry=5', 'forget offer', 'pending live 487', 'bye live', 'forget gone', 'forget live']);
    expect(ended).toEqual([['offer', 'shutdown'], ['live', 'shutdown'], ['gone', 'shutdown']]);
    expect(lifecycle.sessions.size).toBe(0);
  });
});
