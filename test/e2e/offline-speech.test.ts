/**
 * Offline transcription end to end: `callguard simulate` speaks a scam line in the caller's voice
 * (flite kal16, 8 kHz μ-law RTP) to a node running pocketsphinx continuous decoding; the caller's
 * utterances carry the words with their posteriors, the analyzer alerts once, and a benign call
 * whose words include no scam phrase raises nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import { runSimulation } from '../../src/simulate/index.js';
import { OfflineRecognizerFactory } from '../../src/speech/offline/index.js';
import type { RecognizerFactory, RecognizerStartOptions, Utterance } from '../../src/speech/types.js';
import { requireBinary } from '../support/binaries.js';
import { CALLER, SPOKEN_BENIGN, SPOKEN_SCAM, SUBSCRIBER, startTestNode } from './support.js';

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
      // Long enough for the decoder to end the last utterance (0.5 s of silence) and the analyzer to run.
      duration: 16,
    });

  it('hears the scam line in the caller\'s voice, on the caller\'s stream, and raises one alert during the call', { timeout: 40_000 }, async () => {
    tap.heard = [];
    const result = await call(SPOKEN_SCAM, 'Oh no. What do I need to do?');
    expect(result).toMatchObject({ answered: true, clean: true });
    const caller = tap.heard.filter((u) => u.role === 'caller' && u.kind === 'final');
    const text = caller.map((u) => u.text).join(' ');
    // Most of the line's telling words are heard (which ones varies with how the decoder splits the stream).
    const heard = [/police department/, /warrant/, /jail/, /gift card/, /tell anyone/].filter((re) => re.test(text));
    expect(heard.length, text).toBeGreaterThanOrEqual(3);
    for (const u of caller) {
      expect(u.source).toBe('offline');
      expect(u.words!.length).toBeGreaterThan(0);
      for (const w of u.words!) expect(w.confidence).toBeGreaterThanOrEqual(0);
    }
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

  it('hears no scam phrase on a benign call, and raises no alert', { timeout: 40_000 }, async () => {
    tap.heard = [];
    const result = await call(SPOKEN_BENIGN, 'Yes, that works for me. Thank you.');
    expect(result).toMatchObject({ answered: true, clean: true });
    const finals = tap.heard.filter((u) => u.kind === 'final');
    expect(finals.map((u) => u.text).join(' ')).toMatch(/appointment/);
    expect(finals.flatMap((u) => u.keyphrases ?? [])).toEqual([]);
    expect(node.engine.alerts.length).toBe(1); // still only the scam call's
    expect(node.engine.listCalls()).toHaveLength(0);
  });
});
