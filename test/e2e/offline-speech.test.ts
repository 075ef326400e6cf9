/**
 * Offline transcription end to end: `callguard simulate` speaks a scam line in the caller's voice
 * (flite kal16, 8 kHz μ-law RTP) to a node running pocketsphinx keyword spotting; the caller's
 * utterances carry the expected multi-word phrases, and a benign call carries none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import { runSimulation } from '../../src/simulate/index.js';
import { OfflineRecognizerFactory } from '../../src/speech/offline/index.js';
import type { RecognizerFactory, RecognizerStartOptions, Utterance } from '../../src/speech/types.js';
import { requireBinary } from '../support/binaries.js';
import { CALLER, SUBSCRIBER, startTestNode } from './support.js';

const ready =
  requireBinary('pocketsphinx_continuous', 'pocketsphinx') && requireBinary('flite', 'flite') && OfflineRecognizerFactory.available();

/** The real offline factory, with the test listening to what its recognizers say. */
class Tapped implements RecognizerFactory {
  readonly name = 'offline' as const;
  heard: Utterance[] = [];
  constructor(private readonly inner: OfflineRecognizerFactory) {}
  async start(opts: RecognizerStartOptions) {
    const rec = await this.inner.start(opts);
    rec.onUtterance((u) => this.heard.push(u));
    return rec;
  }
  close() {
    return this.inner.close();
  }
}

describe.skipIf(!ready)('offline speech through a whole call', () => {
  let node: RunningNode;
  let tap: Tapped;
  beforeAll(async () => {
    tap = new Tapped(new OfflineRecognizerFactory());
    node = await startTestNode({ CALLGUARD_SPEECH: 'offline' }, { speech: tap });
  });
  afterAll(async () => {
    await node?.close();
  });

  const call = (sayCaller: string, saySubscriber: string) =>
    runSimulation({
      target: { host: '127.0.0.1', port: node.addresses.sipUdp! },
      transport: 'udp',
      caller: CALLER,
      subscriber: SUBSCRIBER,
      codec: 'pcmu',
      callerAudio: { kind: 'say', text: sayCaller },
      subscriberAudio: { kind: 'say', text: saySubscriber },
    });

  it('hears the scam phrases in the caller\'s voice, on the caller\'s stream, and raises one alert', { timeout: 40_000 }, async () => {
    tap.heard = [];
    const result = await call(
      'This is the tax office. You owe back taxes. Pay today with gift cards or you will be arrested.',
      'Oh no. What do I need to do?',
    );
    expect(result).toMatchObject({ answered: true, clean: true });
    const caller = tap.heard.filter((u) => u.role === 'caller' && u.kind === 'final').flatMap((u) => u.keyphrases ?? []);
    expect(caller).toEqual(expect.arrayContaining(['back taxes', 'gift cards']));
    expect(new Set(caller).size).toBeGreaterThanOrEqual(3);
    // …and the local analyzer judged the call from them: one alert, for this call's subscriber.
    const alerts = node.engine.alerts.toArray();
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ subscriber: SUBSCRIBER, level: 'high' });
    expect(alerts[0]!.explanation).toMatch(/^The caller .+\.$/);
    // Times are on the caller stream's media timeline: within the call.
    for (const u of tap.heard) {
      expect(u.startMs).toBeGreaterThanOrEqual(0);
      expect(u.endMs).toBeLessThanOrEqual(result.durationMs + 500);
    }
  });

  it('hears none of them on a benign call, and raises no alert', { timeout: 40_000 }, async () => {
    tap.heard = [];
    const result = await call(
      "Hi, this is the dentist's office calling to confirm your appointment on Tuesday at three.",
      'Yes, that works for me. Thank you.',
    );
    expect(result).toMatchObject({ answered: true, clean: true });
    expect(tap.heard.filter((u) => u.kind === 'final').flatMap((u) => u.keyphrases ?? [])).toEqual([]);
    expect(node.engine.alerts.length).toBe(1); // still only the scam call's
    expect(node.engine.listCalls()).toHaveLength(0);
  });
});
