/**
 * A scripted recognizer for tests and benches that need an alert without audio decoding: the caller
 * "says" one line after 0.5 s of audio (25 frames); the subscriber says nothing. `said` holds when
 * (performance.now()) each line was emitted.
 */
import type { PcmFrame } from '../../src/media/types.js';
import type { Recognizer, RecognizerFactory, RecognizerStartOptions, Utterance } from '../../src/speech/types.js';

export const SCAM_LINE = 'This is the IRS. You owe back taxes. Pay today with gift cards or you will be arrested.';

export class ScamLineFactory implements RecognizerFactory {
  readonly name = 'offline' as const;
  said: number[] = [];
  constructor(private readonly line = SCAM_LINE) {}
  async start(opts: RecognizerStartOptions): Promise<Recognizer> {
    const listeners: Array<(u: Utterance) => void> = [];
    let frames = 0;
    return {
      write: (frame: PcmFrame) => {
        if (++frames !== 25 || opts.role !== 'caller') return;
        this.said.push(performance.now());
        for (const l of listeners) l({ kind: 'final', text: this.line, role: opts.role, streamIndex: opts.streamIndex, startMs: frame.timestamp - 480, endMs: frame.timestamp });
      },
      onUtterance: (l) => {
        listeners.push(l);
        return () => listeners.splice(listeners.indexOf(l), 1);
      },
      onError: () => () => {},
      stats: () => ({ audioSeconds: frames / 50, droppedFrames: 0, utterances: 0, restarts: 0 }),
      close: async () => {},
    };
  }
  async close(): Promise<void> {}
}
