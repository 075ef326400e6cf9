import { describe, expect, it } from 'vitest';
import { SimulatedClock, createActor, fromPromise, waitFor } from 'xstate';
import type { Analysis, AnalysisInput } from '../../../src/analysis/types.js';
import { callMachine, sessionExpiryMs, withoutContent, type CallInput, type CallStream } from '../../../machines/call.js';
import type { Utterance } from '../../../src/speech/types.js';
import type { EndReason } from '../../../src/sip/types.js';

const input = (over: Partial<CallInput> = {}): CallInput => ({
  id: 'c1',
  sessionId: 's1',
  sipCallId: 'abc@src',
  subscriber: '+12125550123',
  participants: [
    { id: 'p1', role: 'caller', number: '+13035551000', sendLabels: ['1'] },
    { id: 'p2', role: 'subscriber', number: '+12125550123', sendLabels: ['2'] },
  ],
  rolesFrom: 'metadata',
  metadata: { at: 0, dataMode: 'complete', participants: 2, streams: 2, degraded: false },
  source: 'udp:127.0.0.1:5080',
  startedAt: 0,
  mediaTimeoutMs: 0,
  transcriptLimits: { windowMs: 60_000, maxUtterances: 5 },
  ...over,
});

const stream = (index: number, held = false): CallStream => ({
  index,
  label: String(index + 1),
  direction: held ? 'inactive' : 'sendonly',
  held,
  codec: 'PCMU/8000',
  port: 20000 + 2 * index,
});

function start(over: Partial<CallInput> = {}) {
  const clock = new SimulatedClock();
  const effects: Array<string> = [];
  const machine = callMachine.provide({
    actions: {
      hangup: (_, p: { reason: EndReason }) => effects.push(`hangup:${p.reason}`),
      releaseMedia: () => effects.push('releaseMedia'),
      persist: () => effects.push('persist'),
      callEnded: () => effects.push('callEnded'),
    },
  });
  const actor = createActor(machine, { input: input(over), clock });
  actor.start();
  return { actor, clock, effects };
}

describe('call machine', () => {
  it('follows the dialog: offered → active ⇄ held → ended, releasing media once', () => {
    const { actor, effects } = start();
    expect(actor.getSnapshot().value).toEqual({ live: { dialog: 'offered', expiry: 'idle', analyzer: 'idle', analysis: 'listening' } });
    actor.send({ type: 'sip.answered', streams: [stream(0), stream(1)], at: 10 });
    expect(actor.getSnapshot().value).toMatchObject({ live: { dialog: 'active' } });
    expect(actor.getSnapshot().context.answeredAt).toBe(10);

    actor.send({ type: 'sip.reoffer', streams: [stream(0, true), stream(1, true)], at: 20 });
    expect(actor.getSnapshot().value).toMatchObject({ live: { dialog: 'held' } });
    actor.send({ type: 'sip.reoffer', streams: [stream(0), stream(1)], at: 30 });
    expect(actor.getSnapshot().value).toMatchObject({ live: { dialog: 'active' } });
    expect(actor.getSnapshot().context.refreshes).toBe(2);

    actor.send({ type: 'sip.ended', reason: 'bye', at: 40 });
    const snap = actor.getSnapshot();
    expect(snap.value).toBe('ended');
    expect(snap.status).toBe('done');
    expect(snap.context.endReason).toBe('bye');
    expect(effects.filter((e) => e === 'releaseMedia')).toHaveLength(1);
    expect(effects.at(-1)).toBe('callEnded');
  });

  it('starts held when every stream is offered inactive', () => {
    const { actor } = start();
    actor.send({ type: 'sip.answered', streams: [stream(0, true)], at: 1 });
    expect(actor.getSnapshot().value).toMatchObject({ live: { dialog: 'held' } });
  });

  it('a metadata-only re-offer keeps the streams and records a revision', () => {
    const { actor } = start();
    actor.send({ type: 'sip.answered', streams: [stream(0)], at: 1 });
    actor.send({
      type: 'sip.reoffer',
      at: 2,
      metadata: { at: 2, dataMode: 'partial', participants: 3, streams: 1, degraded: false },
      participants: [...input().participants, { id: 'p3', role: 'caller', sendLabels: [] }],
    });
    const ctx = actor.getSnapshot().context;
    expect(ctx.streams).toHaveLength(1);
    expect(ctx.participants).toHaveLength(3);
    expect(ctx.metadataHistory.map((m) => m.dataMode)).toEqual(['complete', 'partial']);
  });

  it('hangs up when the SRC (refresher=uac) misses its refresh, and not before', () => {
    const { actor, clock, effects } = start({ timer: { interval: 90, refresher: 'uac' } });
    actor.send({ type: 'sip.answered', streams: [stream(0)], at: 0 });
    const expiry = sessionExpiryMs({ interval: 90, refresher: 'uac' });
    expect(expiry).toBe(60_000); // 90 - min(32, 30)
    clock.increment(expiry - 1);
    // A refresh restarts the watch.
    actor.send({ type: 'sip.reoffer', at: expiry - 1 });
    clock.increment(expiry - 1);
    expect(effects).not.toContain('hangup:session-expired');
    clock.increment(1);
    expect(effects).toContain('hangup:session-expired');
    expect(actor.getSnapshot().value).toMatchObject({ live: { dialog: 'ending', expiry: 'expired' } });
    actor.send({ type: 'sip.ended', reason: 'session-expired', at: 1 });
    expect(actor.getSnapshot().context.endReason).toBe('session-expired');
  });

  it('follows a refresh that changes the interval or hands the refreshing to us', () => {
    const { actor, clock, effects } = start({ timer: { interval: 90, refresher: 'uac' } });
    actor.send({ type: 'sip.answered', streams: [stream(0)], at: 0 });
    // Longer interval: 300 s → BYE 32 s before expiry.
    actor.send({ type: 'sip.reoffer', at: 1, timer: { interval: 300, refresher: 'uac' } });
    clock.increment(267_999);
    expect(effects).not.toContain('hangup:session-expired');
    clock.increment(1);
    expect(effects).toContain('hangup:session-expired');

    const second = start({ timer: { interval: 90, refresher: 'uac' } });
    second.actor.send({ type: 'sip.answered', streams: [stream(0)], at: 0 });
    second.actor.send({ type: 'sip.reoffer', at: 1, timer: { interval: 90, refresher: 'uas' } });
    expect(second.actor.getSnapshot().value).toMatchObject({ live: { expiry: 'idle' } });
    second.clock.increment(10 * 60_000);
    expect(second.effects).not.toContain('hangup:session-expired');
  });

  it('runs no expiry timer when we are the refresher or there is no timer', () => {
    for (const timer of [{ interval: 90, refresher: 'uas' as const }, undefined]) {
      const { actor, clock, effects } = start(timer ? { timer } : {});
      actor.send({ type: 'sip.answered', streams: [stream(0)], at: 0 });
      clock.increment(10 * 60_000);
      expect(effects).not.toContain('hangup:session-expired');
      expect(actor.getSnapshot().value).toMatchObject({ live: { expiry: 'idle' } });
    }
  });

  it('an engine hangup sends one BYE and waits for the dialog to end', () => {
    const { actor, effects } = start();
    actor.send({ type: 'sip.answered', streams: [stream(0)], at: 0 });
    actor.send({ type: 'call.hangup', reason: 'media-timeout' });
    actor.send({ type: 'call.hangup', reason: 'media-timeout' });
    expect(effects.filter((e) => e.startsWith('hangup'))).toEqual(['hangup:media-timeout']);
    expect(actor.getSnapshot().value).toMatchObject({ live: { dialog: 'ending' } });
    actor.send({ type: 'sip.ended', reason: 'bye', at: 5 });
    expect(actor.getSnapshot().value).toBe('ended');
  });

  it('restores from a persisted snapshot without replaying entry actions', () => {
    const { actor } = start({ timer: { interval: 1800, refresher: 'uac' } });
    actor.send({ type: 'sip.answered', streams: [stream(0), stream(1)], at: 1 });
    const persisted = actor.getPersistedSnapshot();
    // Persisted snapshots are JSON: they can go to Redis as they are.
    const json = JSON.parse(JSON.stringify(persisted));
    const effects: string[] = [];
    const restored = createActor(
      callMachine.provide({ actions: { persist: () => effects.push('persist'), hangup: () => effects.push('hangup') } }),
      // input is required by the types but unused when a snapshot is given.
      { snapshot: json, input: input(), clock: new SimulatedClock() },
    );
    restored.start();
    expect(restored.getSnapshot().value).toMatchObject({ live: { dialog: 'active' } });
    expect(restored.getSnapshot().context.streams).toHaveLength(2);
    expect(effects).not.toContain('persist');
  });

  describe('media', () => {
    const media = (lastPacketAt: number | undefined, packets = 10) => ({
      packets,
      lost: 0,
      late: 0,
      jitterMs: 1,
      audioSeconds: packets * 0.02,
      ...(lastPacketAt !== undefined ? { lastPacketAt } : {}),
      wrongSource: 0,
      srtpAuthFailures: 0,
    });

    it('keeps per-stream stats from media.stats', () => {
      const { actor } = start();
      actor.send({ type: 'sip.answered', streams: [stream(0), stream(1)], at: 0 });
      actor.send({ type: 'media.stats', at: 1000, streams: [{ index: 1, media: media(990, 50) }] });
      const streams = actor.getSnapshot().context.streams;
      expect(streams[0]?.media).toBeUndefined();
      expect(streams[1]?.media).toMatchObject({ packets: 50, lastPacketAt: 990 });
    });

    it('hangs up when no stream has had media for the timeout while active', () => {
      const { actor, effects } = start({ mediaTimeoutMs: 5000 });
      actor.send({ type: 'sip.answered', streams: [stream(0), stream(1)], at: 0 });
      actor.send({ type: 'media.stats', at: 4000, streams: [{ index: 0, media: media(undefined, 0) }] });
      expect(effects).not.toContain('hangup:media-timeout');
      actor.send({ type: 'media.stats', at: 6000, streams: [{ index: 0, media: media(3000) }, { index: 1, media: media(2000) }] });
      expect(effects).not.toContain('hangup:media-timeout'); // 3 s since the last packet
      actor.send({ type: 'media.stats', at: 8000, streams: [{ index: 0, media: media(3000) }, { index: 1, media: media(2000) }] });
      expect(effects).toContain('hangup:media-timeout');
      expect(actor.getSnapshot().context.endReason).toBe('media-timeout');
    });

    it('suspends the timeout while held and counts afresh from the resume', () => {
      const { actor, effects } = start({ mediaTimeoutMs: 5000 });
      actor.send({ type: 'sip.answered', streams: [stream(0)], at: 0 });
      actor.send({ type: 'sip.reoffer', streams: [stream(0, true)], at: 1000 });
      actor.send({ type: 'media.stats', at: 60_000, streams: [{ index: 0, media: media(900) }] });
      expect(effects).not.toContain('hangup:media-timeout');
      actor.send({ type: 'sip.reoffer', streams: [stream(0)], at: 61_000 });
      actor.send({ type: 'media.stats', at: 65_000, streams: [{ index: 0, media: media(900) }] });
      expect(effects).not.toContain('hangup:media-timeout');
      actor.send({ type: 'media.stats', at: 66_000, streams: [{ index: 0, media: media(900) }] });
      expect(effects).toContain('hangup:media-timeout');
    });

    it('records DTMF digits with the sending role, bounded', () => {
      const { actor } = start();
      actor.send({ type: 'sip.answered', streams: [stream(0), { ...stream(1), role: 'subscriber' }], at: 0 });
      actor.send({ type: 'media.dtmf', at: 5, digit: '4', streamIndex: 1 });
      expect(actor.getSnapshot().context.dtmf).toEqual([{ digit: '4', at: 5, streamIndex: 1, role: 'subscriber' }]);
      for (let i = 0; i < 100; i++) actor.send({ type: 'media.dtmf', at: i, digit: '1', streamIndex: 0 });
      expect(actor.getSnapshot().context.dtmf).toHaveLength(64);
    });
  });

  describe('transcript window', () => {
    const utter = (over: Partial<Utterance> = {}): Utterance => ({
      kind: 'final',
      text: 'you owe back taxes',
      role: 'caller',
      streamIndex: 0,
      startMs: 0,
      endMs: 1000,
      ...over,
    });

    it('replaces a stream\'s partial with its final, keeps other streams, counts without text', () => {
      const { actor } = start();
      actor.send({ type: 'sip.answered', streams: [stream(0), stream(1)], at: 0 });
      actor.send({ type: 'speech.utterance', at: 1, utterance: utter({ kind: 'partial', text: 'you owe' }) });
      actor.send({ type: 'speech.utterance', at: 2, utterance: utter({ kind: 'partial', text: 'hello', role: 'subscriber', streamIndex: 1 }) });
      actor.send({ type: 'speech.utterance', at: 3, utterance: utter({ keyphrases: ['back taxes'] }) });
      const ctx = actor.getSnapshot().context;
      expect(ctx.transcript.map((e) => [e.kind, e.streamIndex, e.text])).toEqual([
        ['partial', 1, 'hello'],
        ['final', 0, 'you owe back taxes'],
      ]);
      expect(ctx.speech).toMatchObject({ finals: 1, partials: 2, keyphraseHits: 1 });
    });

    it('keeps the last N seconds and M utterances, and clears when the call ends', () => {
      const { actor } = start({ transcriptLimits: { windowMs: 10_000, maxUtterances: 3 } });
      actor.send({ type: 'sip.answered', streams: [stream(0)], at: 0 });
      for (let i = 0; i < 5; i++) actor.send({ type: 'speech.utterance', at: i * 1000, utterance: utter({ text: `u${i}` }) });
      expect(actor.getSnapshot().context.transcript.map((e) => e.text)).toEqual(['u2', 'u3', 'u4']);
      actor.send({ type: 'speech.utterance', at: 13_500, utterance: utter({ text: 'late' }) });
      // u2 (at 2 s) and u3 (at 3 s) are more than 10 s old at 13.5 s.
      expect(actor.getSnapshot().context.transcript.map((e) => e.text)).toEqual(['u4', 'late']);
      actor.send({ type: 'sip.ended', reason: 'bye', at: 14_000 });
      expect(actor.getSnapshot().context.transcript).toEqual([]);
    });

    it('never lets transcript text into what may leave the process', () => {
      const { actor } = start();
      actor.send({ type: 'sip.answered', streams: [stream(0)], at: 0 });
      actor.send({ type: 'speech.utterance', at: 1, utterance: utter({ text: 'my pin is 4321' }) });
      const out = JSON.stringify(withoutContent(actor.getPersistedSnapshot()));
      expect(out).not.toContain('4321');
      expect(out).toContain('"finals":1');
      // The live actor still has it.
      expect(actor.getSnapshot().context.transcript).toHaveLength(1);
    });

    it('shows when the node had no recognizer to spare', () => {
      const { actor } = start();
      actor.send({ type: 'speech.status', status: 'capped' });
      actor.send({ type: 'speech.status', status: 'on' });
      expect(actor.getSnapshot().context.speech.status).toBe('capped');
    });
  });

  describe('analysis', () => {
    const level = (text: string): Analysis['level'] => (text.includes('gift') ? 'high' : text.includes('tax') ? 'medium' : 'none');

    function analysed(delayMs = 0) {
      const seen: string[][] = [];
      const alerts: unknown[] = [];
      let inFlight = 0;
      let maxInFlight = 0;
      const machine = callMachine.provide({
        actors: {
          analyze: fromPromise<Analysis, AnalysisInput>(async ({ input }) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            seen.push(input.window.map((t) => `${t.speaker}:${t.text}`));
            await new Promise((r) => setTimeout(r, delayMs));
            inFlight--;
            const l = level(input.window.map((t) => t.text).join(' '));
            return { score: l === 'high' ? 0.95 : l === 'medium' ? 0.6 : 0.1, level: l, category: 'government', tactics: ['payment'], explanation: 'The caller demands gift cards.', analyzer: 'local' };
          }),
        },
        actions: { raiseAlert: (_, p: { alert: unknown }) => alerts.push(p.alert) },
      });
      const actor = createActor(machine, { input: input() });
      actor.start();
      actor.send({ type: 'sip.answered', streams: [stream(0), stream(1)], at: 0 });
      const say = (role: 'caller' | 'subscriber', text: string, at: number) =>
        actor.send({ type: 'speech.utterance', at, utterance: { kind: 'final', text, role, streamIndex: role === 'caller' ? 0 : 1, startMs: at, endMs: at } });
      const idle = () => waitFor(actor, (snap) => snap.matches({ live: { analyzer: 'idle' } }));
      return { actor, say, idle, seen, alerts, stats: () => ({ maxInFlight }) };
    }

    it('analyses after each final caller utterance, never for the subscriber, and escalates listening → suspicious → alerted', async () => {
      const { actor, say, idle, seen, alerts } = analysed();
      say('subscriber', 'hello?', 1);
      await idle();
      expect(seen).toHaveLength(0);
      say('caller', 'this is the tax office', 2);
      await idle();
      expect(actor.getSnapshot().value).toMatchObject({ live: { analysis: 'suspicious' } });
      say('caller', 'pay with gift cards', 3);
      await idle();
      expect(actor.getSnapshot().value).toMatchObject({ live: { analysis: 'alerted' } });
      expect(alerts).toHaveLength(1);
      expect(actor.getSnapshot().context.alert).toMatchObject({ category: 'government', explanation: 'The caller demands gift cards.', at: 3 });
      expect(seen.at(-1)).toEqual(['subscriber:hello?', 'caller:this is the tax office', 'caller:pay with gift cards']);
    });

    it('one analysis at a time: utterances during a slow one coalesce into one more run; one alert however many windows cross', async () => {
      const { actor, say, idle, seen, alerts, stats } = analysed(30);
      say('caller', 'gift cards now', 1);
      say('caller', 'gift cards or jail', 2);
      say('caller', 'gift cards today', 3);
      await idle();
      expect(stats().maxInFlight).toBe(1);
      // The first run, then one coalesced run (if the first did not already alert).
      expect(seen.length).toBeLessThanOrEqual(2);
      say('caller', 'more gift cards', 4);
      await idle();
      expect(alerts).toHaveLength(1);
      expect(actor.getSnapshot().context.risk.alerted).toBe(true);
    });

    it('a failed analysis changes nothing and the next utterance tries again', async () => {
      let calls = 0;
      const machine = callMachine.provide({
        actors: {
          analyze: fromPromise<Analysis, AnalysisInput>(async () => {
            calls++;
            if (calls === 1) throw new Error('analyzer down');
            return { score: 0.6, level: 'medium', category: 'bank', tactics: [], explanation: 'x', analyzer: 'local' };
          }),
        },
      });
      const actor = createActor(machine, { input: input() });
      actor.start();
      actor.send({ type: 'sip.answered', streams: [stream(0)], at: 0 });
      const u = (at: number) => ({ type: 'speech.utterance' as const, at, utterance: { kind: 'final' as const, text: 'hi', role: 'caller' as const, streamIndex: 0, startMs: 0, endMs: 1 } });
      actor.send(u(1));
      await waitFor(actor, (s) => s.matches({ live: { analyzer: 'idle' } }));
      expect(actor.getSnapshot().context.risk.level).toBe('none');
      actor.send(u(2));
      await waitFor(actor, (s) => s.matches({ live: { analyzer: 'idle' } }));
      expect(actor.getSnapshot().context.risk.level).toBe('medium');
    });
  });
});
