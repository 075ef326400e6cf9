/**
 * The real Speech SDK against a local fake of the service (test/support/fake-azure-speech.ts).
 * Audio is fed faster than real time (transmitAheadMs lifts the SDK's throttle); the fake's script
 * is keyed on audio received, so results do not depend on wall-clock timing.
 */
import { Writable } from 'node:stream';
import { afterEach, describe, expect, test } from 'vitest';
import { createLogger, type Logger } from '../../../../src/log.js';
import type { PcmFrame } from '../../../../src/media/types.js';
import { AzureRecognizerFactory, type AzureSpeechOptions } from '../../../../src/speech/azure/index.js';
import type { Recognizer, RecognizerStartOptions, Utterance } from '../../../../src/speech/types.js';
import { FakeAzureSpeech, type FakeAzureSpeechOptions } from '../../../support/fake-azure-speech.js';

const KEY = 'test-key-0123456789abcdef';

interface Harness {
  fake: FakeAzureSpeech;
  factory: AzureRecognizerFactory;
  logs: string[];
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function capturingLogger(): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), logs };
}

async function harness(fakeOpts: FakeAzureSpeechOptions, opts: Partial<AzureSpeechOptions> = {}): Promise<Harness> {
  const fake = await FakeAzureSpeech.start(fakeOpts);
  const { logger, logs } = capturingLogger();
  const factory = new AzureRecognizerFactory({
    key: KEY,
    endpoint: fake.endpoint,
    language: 'en-US',
    phraseList: ['remote desktop'],
    logger,
    transmitAheadMs: 600_000,
    reconnectBaseMs: 50,
    ...opts,
  });
  cleanups.push(async () => {
    await factory.close();
    await fake.close();
  });
  return { fake, factory, logs };
}

const START: RecognizerStartOptions = { role: 'caller', streamIndex: 1, sampleRate: 8000, language: 'en-US' };

function frame(timestamp: number, sampleRate: 8000 | 16000 = 8000): PcmFrame {
  const samples = new Int16Array(sampleRate / 50);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(1000 * Math.sin(i / 3));
  return { samples, sampleRate, timestamp, concealed: false };
}

/** Writes frames for media times [fromMs, toMs), faster than real time but yielding to I/O. */
async function feed(r: Recognizer, fromMs: number, toMs: number, sampleRate: 8000 | 16000 = 8000): Promise<void> {
  let n = 0;
  for (let t = fromMs; t < toMs; t += 20) {
    r.write(frame(t, sampleRate));
    if (++n % 10 === 0) await sleep(2);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function waitFor(what: string, predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function collect(r: Recognizer): { utterances: Utterance[]; errors: Error[] } {
  const utterances: Utterance[] = [];
  const errors: Error[] = [];
  r.onUtterance((u) => utterances.push(u));
  r.onError((e) => errors.push(e));
  return { utterances, errors };
}

const finals = (us: Utterance[]): Utterance[] => us.filter((u) => u.kind === 'final');

describe('AzureRecognizer against a fake Speech service', () => {
  test('scripted phrases come back as partials then finals on the stream timeline', async () => {
    const { fake, factory } = await harness({
      script: () => [
        { kind: 'phrase', text: 'Hello, this is the tax office.', offsetMs: 1000, durationMs: 1500, hypotheses: ['hello', 'hello this is'] },
        { kind: 'phrase', text: 'Buy gift cards right now.', offsetMs: 3000, durationMs: 1000, confidence: 0.83 },
      ],
    });
    const r = await factory.start({ role: 'subscriber', streamIndex: 2, sampleRate: 16000, language: 'en-US' });
    const { utterances, errors } = collect(r);
    await feed(r, 0, 4500, 16000);
    await waitFor('two finals', () => finals(utterances).length === 2);

    const [first, second] = finals(utterances);
    expect(first).toMatchObject({ kind: 'final', text: 'Hello, this is the tax office.', role: 'subscriber', streamIndex: 2 });
    expect(first!.startMs).toBeCloseTo(1000, -1);
    expect(first!.endMs).toBeCloseTo(2500, -1);
    expect(first!.keyphrases).toEqual(['tax office']);
    expect(second).toMatchObject({ text: 'Buy gift cards right now.', startMs: 3000, endMs: 4000, confidence: 0.83 });
    expect(second!.keyphrases).toEqual(expect.arrayContaining(['gift cards', 'right now']));

    // Partials of a phrase precede its final.
    const kinds = utterances.map((u) => `${u.kind}:${u.text}`);
    expect(kinds.slice(0, 3)).toEqual(['partial:hello', 'partial:hello this is', 'final:Hello, this is the tax office.']);
    expect(utterances[0]).toMatchObject({ kind: 'partial', role: 'subscriber', streamIndex: 2, startMs: 1000, endMs: 2500 });

    expect(errors).toEqual([]);
    const stats = r.stats();
    expect(stats).toMatchObject({ utterances: 2, droppedFrames: 0, restarts: 0 });
    expect(stats.audioSeconds).toBeCloseTo(4.5, 1);
    await waitFor('all audio at the service', () => fake.totalAudioBytes === 4.5 * 16000 * 2);
  });

  test('times follow the media clock of the first frame written', async () => {
    const { factory } = await harness({ script: () => [{ kind: 'phrase', text: 'one', offsetMs: 1000, durationMs: 1500 }] });
    const r = await factory.start(START);
    const { utterances } = collect(r);
    await feed(r, 60_000, 63_000);
    await waitFor('a final', () => finals(utterances).length === 1);
    expect(finals(utterances)[0]).toMatchObject({ startMs: 61_000, endMs: 62_500, role: 'caller', streamIndex: 1 });
  });

  test('language, sample rate, key and phrase list reach the service', async () => {
    const { fake, factory } = await harness({});
    const r = await factory.start({ ...START, language: 'de-DE' });
    await feed(r, 0, 200);
    await waitFor('audio', () => fake.totalAudioBytes > 0);

    const conn = fake.connections[0]!;
    expect(conn.handshake.path).toBe('/speech/recognition/conversation/cognitiveservices/v1');
    expect(conn.handshake.query['language']).toBe('de-DE');
    expect(conn.handshake.headers['ocp-apim-subscription-key']).toBe(KEY);
    expect(conn.sampleRate).toBe(8000);

    const context = fake.messages('speech.context')[0]!.body as {
      phraseDetection: { language: string };
      dgi: { groups: { items: { text: string }[] }[] };
    };
    expect(context.phraseDetection.language).toBe('de-DE');
    const phrases = context.dgi.groups.flatMap((g) => g.items.map((i) => i.text));
    expect(phrases).toEqual(expect.arrayContaining(['gift cards', 'social security number', 'remote desktop']));
    await r.close();
  });

  test('an Entra ID token is asked for per connection and sent as a bearer token', async () => {
    let asked = 0;
    const { fake, factory } = await harness({}, { key: undefined, token: async () => `entra-token-${++asked}` });
    const r = await factory.start(START);
    expect(asked).toBe(1);
    expect(fake.connections[0]!.handshake.headers['authorization']).toBe('Bearer entra-token-1');
    expect(fake.connections[0]!.handshake.headers['ocp-apim-subscription-key']).toBeUndefined();
    await r.close();
    await fake.waitForNoConnections();
  });

  test('close() closes the websocket and is idempotent', async () => {
    const { fake, factory } = await harness({ script: () => [{ kind: 'phrase', text: 'one', offsetMs: 200, durationMs: 300 }] });
    const r = await factory.start(START);
    const { utterances } = collect(r);
    await feed(r, 0, 1000);
    await waitFor('a final', () => finals(utterances).length === 1);
    expect(fake.openConnections).toBe(1);

    const p = r.close();
    expect(r.close()).toBe(p);
    await p;
    await fake.waitForNoConnections();
    const bytes = fake.totalAudioBytes;
    r.write(frame(1000));
    await sleep(50);
    expect(fake.totalAudioBytes).toBe(bytes);
    expect(fake.openConnections).toBe(0);
  });

  test('close() mid-turn closes the websocket promptly', async () => {
    // The phrase would end at 10 s; only 2 s are fed, so the turn is open when close() runs.
    const { fake, factory } = await harness({ script: () => [{ kind: 'phrase', text: 'never', offsetMs: 9000, durationMs: 1000 }] });
    const r = await factory.start(START);
    await feed(r, 0, 2000);
    await waitFor('audio', () => fake.totalAudioBytes >= 2 * 8000 * 2 - 320 * 10);
    const t0 = Date.now();
    await r.close();
    expect(Date.now() - t0).toBeLessThan(2500);
    await fake.waitForNoConnections();
  });

  test('close() right after start closes the websocket', async () => {
    const { fake, factory } = await harness({});
    const r = await factory.start(START);
    await r.close();
    await fake.waitForNoConnections();
    expect(fake.connections.length).toBeGreaterThanOrEqual(1);
  });

  test('a turn ended by the service mid-call is continued and later phrases still arrive', async () => {
    const { fake, factory } = await harness({
      script: () => [
        { kind: 'phrase', text: 'before', offsetMs: 1000, durationMs: 1000 },
        { kind: 'end-turn', atMs: 2500 },
        { kind: 'phrase', text: 'after', offsetMs: 4000, durationMs: 1000 },
      ],
    });
    const r = await factory.start(START);
    const { utterances, errors } = collect(r);
    await feed(r, 0, 6000);
    await waitFor('two finals', () => finals(utterances).length === 2);
    expect(finals(utterances).map((u) => [u.text, u.startMs, u.endMs])).toEqual([
      ['before', 1000, 2000],
      ['after', 4000, 5000],
    ]);
    expect(r.stats().restarts).toBe(1);
    expect(errors).toEqual([]);
    await r.close();
    await fake.waitForNoConnections();
  });

  test('a socket dropped by the service is survived: reconnect, count a restart, later phrases arrive', async () => {
    const { fake, factory, logs } = await harness({
      script: (i) =>
        i === 0
          ? [
              { kind: 'phrase', text: 'before the drop', offsetMs: 500, durationMs: 1000 },
              { kind: 'drop', atMs: 2000 },
            ]
          : [{ kind: 'phrase', text: 'after the drop', offsetMs: 500, durationMs: 1000 }],
    });
    const r = await factory.start(START);
    const { utterances, errors } = collect(r);
    await feed(r, 0, 2000);
    await waitFor('the drop', () => r.stats().restarts === 1);
    await waitFor('the reconnect', () => r.stats().droppedFrames === 0 && fake.openConnections > 0 && fake.connections.length > 1);
    await sleep(300);
    await feed(r, 2000, 5000);
    await waitFor('two finals', () => finals(utterances).length === 2);

    const after = finals(utterances)[1]!;
    expect(after.text).toBe('after the drop');
    // On the stream's timeline: after the drop, 1 s long.
    expect(after.startMs).toBeGreaterThanOrEqual(2000);
    expect(after.endMs - after.startMs).toBe(1000);
    expect(r.stats().restarts).toBe(1);
    expect(errors).toEqual([]);

    await r.close();
    await fake.waitForNoConnections();
    const all = logs.join('');
    expect(all).toContain('reconnecting');
    expect(all).not.toContain(KEY);
    expect(all).not.toMatch(/wss?:\/\//);
    expect(all).not.toContain('before the drop');
    expect(all).not.toContain('after the drop');
  });

  test('frames are queued only up to a bound while disconnected, then dropped and counted', async () => {
    const { fake, factory } = await harness(
      { script: (i) => (i === 0 ? [{ kind: 'drop', atMs: 200 }] : []) },
      { reconnectBaseMs: 1000, maxQueuedFrames: 50 },
    );
    const r = await factory.start(START);
    await feed(r, 0, 400);
    await waitFor('the drop', () => r.stats().restarts === 1);
    // 4 s of audio while the reconnect waits out its back-off: at most 50 frames (1 s) are held.
    for (let t = 400; t < 4400; t += 20) r.write(frame(t));
    expect(r.stats().droppedFrames).toBe(200 - 50);
    // The SDK of the dropped session may dial once more on its own before it is closed; find the
    // connection of the new session by the audio it carries.
    const carrying = () => fake.connections.filter((c) => c.index > 0 && c.audioBytes > 0);
    await waitFor('the reconnect', () => carrying().length === 1, 3000);
    await sleep(100);
    // The held second made it through; nothing more.
    expect(carrying()[0]!.audioBytes).toBe(50 * 320);
    await r.close();
    // That extra dial of the dropped session's SDK is closed on the SDK's own timers, which run
    // late when the whole suite loads both cores: allow it longer than the default 3 s.
    await fake.waitForNoConnections(10_000);
  });

  test('gives up with onError after bounded failed reconnects, leaving no socket open', async () => {
    const { fake, factory } = await harness(
      { script: () => [{ kind: 'drop', atMs: 100 }] },
      { reconnectBaseMs: 20, maxReconnectAttempts: 2 },
    );
    const r = await factory.start(START);
    const { errors } = collect(r);
    for (let i = 0; i < 4 && errors.length === 0; i++) {
      await feed(r, i * 1000, i * 1000 + 400);
      await waitFor(`failure ${i + 1}`, () => errors.length > 0 || r.stats().restarts > i, 2000).catch(() => undefined);
      await waitFor('a connection', () => errors.length > 0 || fake.openConnections > 0, 1000).catch(() => undefined);
    }
    await waitFor('onError', () => errors.length === 1);
    expect(errors[0]).toMatchObject({ name: 'AzureRecognitionError', code: 'AZURE_SPEECH_RECONNECT_EXHAUSTED' });
    expect(r.stats().restarts).toBe(2);
    await fake.waitForNoConnections();
    await r.close();
  });

  test('start() rejects when the service refuses the connection, leaving no socket open', async () => {
    const { fake, factory } = await harness({ rejectConnections: () => 401 }, { connectTimeoutMs: 3000 });
    await expect(factory.start(START)).rejects.toMatchObject({ name: 'AzureRecognitionError' });
    await fake.waitForNoConnections();
  });

  test('factory close() closes every live recognizer', async () => {
    const { fake, factory } = await harness({});
    expect(factory.name).toBe('azure');
    await factory.start(START);
    await factory.start({ ...START, role: 'subscriber', streamIndex: 2 });
    await waitFor('two connections', () => fake.openConnections === 2);
    await factory.close();
    await fake.waitForNoConnections();
    await expect(factory.start(START)).rejects.toMatchObject({ code: 'AZURE_SPEECH_START_FAILED' });
  });
});
