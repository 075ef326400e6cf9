/**
 * The engine's speech wiring with a scripted recognizer factory: one recognizer per party with its
 * role and rate, utterances in the call's transcript window, none of it on the API, every
 * recognizer closed when the call ends, and CALLGUARD_SPEECH_MAX respected.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../src/app.js';
import type { PcmFrame } from '../../src/media/types.js';
import { runSimulation } from '../../src/simulate/index.js';
import type { Recognizer, RecognizerFactory, RecognizerStartOptions, Utterance } from '../../src/speech/types.js';
import { CALLER, SUBSCRIBER, startTestNode, waitFor } from './support.js';

/** Says "<role> heard N frames" after every 25 frames (0.5 s) of audio it is given. */
class ScriptedFactory implements RecognizerFactory {
  readonly name = 'offline' as const;
  started: RecognizerStartOptions[] = [];
  open = 0;
  /** Media timestamps of the frames each role's recognizer was given, in order. */
  written: Record<string, number[]> = {};
  /** How long start() takes (a model built on first use, a service to connect to). */
  constructor(private readonly startMs = 0) {}
  async start(opts: RecognizerStartOptions): Promise<Recognizer> {
    this.started.push(opts);
    if (this.startMs > 0) await new Promise((r) => setTimeout(r, this.startMs));
    this.open++;
    const written = (this.written[opts.role] = [] as number[]);
    const listeners: Array<(u: Utterance) => void> = [];
    let frames = 0;
    let closed = false;
    return {
      write: (frame: PcmFrame) => {
        written.push(frame.timestamp);
        frames++;
        if (frames % 25 === 0) {
          for (const l of listeners)
            l({ kind: 'final', text: `${opts.role} heard ${frames} frames`, role: opts.role, streamIndex: opts.streamIndex, startMs: frame.timestamp - 480, endMs: frame.timestamp + 20 });
        }
      },
      onUtterance: (l) => {
        listeners.push(l);
        return () => listeners.splice(listeners.indexOf(l), 1);
      },
      onError: () => () => {},
      stats: () => ({ audioSeconds: frames / 50, droppedFrames: 0, utterances: Math.floor(frames / 25), restarts: 0 }),
      close: async () => {
        if (!closed) this.open--;
        closed = true;
      },
    };
  }
  async close(): Promise<void> {}
}

/** One UDP call from `callguard simulate` to the node. */
const simulate = (node: RunningNode, codec: 'pcmu' | 'g722', duration: number) =>
  runSimulation({ target: { host: '127.0.0.1', port: node.addresses.sipUdp! }, transport: 'udp', caller: CALLER, subscriber: SUBSCRIBER, codec, duration });

describe('transcription wiring', () => {
  let node: RunningNode | undefined;
  afterEach(async () => {
    await node?.close();
    node = undefined;
  });

  it('starts one recognizer per party with its role, rate and language, and closes them all at the end', async () => {
    const factory = new ScriptedFactory();
    node = await startTestNode({}, { speech: factory });
    const result = await simulate(node, 'g722', 2);
    expect(result).toMatchObject({ answered: true, clean: true });
    expect(factory.started.map((s) => [s.streamIndex, s.role, s.sampleRate, s.language]).sort()).toEqual([
      [0, 'caller', 16000, 'en-US'],
      [1, 'subscriber', 16000, 'en-US'],
    ]);
    await waitFor(() => factory.open === 0 && node!.engine.recognizerCount === 0, 3000);
  });

  it('keeps the transcript in the actor only while the call lives', async () => {
    const factory = new ScriptedFactory();
    node = await startTestNode({}, { speech: factory });
    const sim = simulate(node, 'pcmu', 2.5);
    await waitFor(() => (node!.engine.listCalls()[0]?.speech.finals ?? 0) >= 4, 5000);
    const [call] = node.engine.listCalls();
    expect(call!.speech.status).toBe('on');
    const res = await fetch(`http://127.0.0.1:${node.addresses.http}/v1/calls/${call!.id}`);
    const body = await res.text();
    // Counts on the API, never the words.
    expect(body).toContain('"finals"');
    expect(body).not.toContain('heard');
    expect((await sim).clean).toBe(true);
    await waitFor(() => node!.engine.listCalls().length === 0, 3000);
  });

  it('gives a recognizer that starts slowly the audio that arrived meanwhile, in order, from the first frame', async () => {
    const factory = new ScriptedFactory(800);
    node = await startTestNode({}, { speech: factory });
    const result = await simulate(node, 'pcmu', 2);
    expect(result.answered).toBe(true);
    await waitFor(() => factory.open === 0 && node!.engine.recognizerCount === 0, 3000);
    const caller = factory.written['caller']!;
    // Without the early frames the first one written would be ~0.8 s into the call.
    expect(caller[0]).toBe(0);
    expect(caller.every((t, i) => t === i * 20)).toBe(true);
    expect(caller.length).toBeGreaterThan(80);
  });

  it('beyond CALLGUARD_SPEECH_MAX a call is recorded but not transcribed', async () => {
    const factory = new ScriptedFactory();
    node = await startTestNode({ CALLGUARD_SPEECH_MAX: '1' }, { speech: factory });
    const sim = simulate(node, 'pcmu', 1);
    await waitFor(() => node!.engine.listCalls().length === 1, 3000);
    await waitFor(() => node!.engine.listCalls()[0]?.speech.status === 'capped', 3000);
    expect(factory.started).toHaveLength(1);
    expect((await sim).answered).toBe(true);
  });
});
