/**
 * Continuous-decoding recognizer over one pocketsphinx process per stream: words, each with its
 * posterior. Frames are band-filled to 16 kHz and written as they come; the decoder's times (seconds since its first sample) are mapped
 * back to the stream's media time through the segments of audio actually written, so dropped
 * frames and restarts do not shift later results.
 */
import type { Logger } from '../../log.js';
import type { PcmFrame } from '../../media/types.js';
import { spotKeyphrases } from '../../analysis/keyphrases.js';
import type { RecognizedWord, Recognizer, RecognizerStartOptions, RecognizerStats, Utterance } from '../types.js';
import { BandFiller, DELAY_SAMPLES_16K } from './band-fill.js';
import { PocketsphinxProcess, type RawUtterance } from './pocketsphinx-process.js';

/** A run of contiguous audio written to the current process: process ms → media ms. */
interface Segment {
  processMs: number;
  mediaMs: number;
}

const MAX_SEGMENTS = 256;
const BAND_FILL_DELAY_MS = (DELAY_SAMPLES_16K / 16000) * 1000;

export interface OfflineRecognizerOptions extends RecognizerStartOptions {
  /** pocketsphinx arguments (model, dictionary, language model, sample rate). */
  args: readonly string[];
  binary?: string;
  /** Restarts allowed after the decoder dies before giving up with an error. Default 5. */
  maxRestarts?: number;
  log: Logger;
}

export class OfflineRecognizer implements Recognizer {
  private proc: PocketsphinxProcess;
  private readonly filler = new BandFiller();
  private readonly utteranceListeners = new Set<(u: Utterance) => void>();
  private readonly errorListeners = new Set<(err: Error) => void>();
  private readonly counters = { audioSeconds: 0, droppedFrames: 0, utterances: 0, restarts: 0 };
  private segments: Segment[] = [];
  /** Audio ms written to the current process. */
  private writtenMs = 0;
  /** Media time the next written frame must have to continue the current segment. */
  private nextMediaMs: number | undefined;
  private closing: Promise<void> | undefined;
  private failed = false;

  constructor(private readonly opts: OfflineRecognizerOptions) {
    this.proc = this.spawn();
  }

  /** Process group id of the current decoder (tests check it is gone after close()). */
  get pid(): number | undefined {
    return this.proc.pid;
  }

  /** For tests and ops: kills the current decoder as if it had crashed. */
  kill(): void {
    this.proc.signal('SIGKILL');
  }

  write(frame: PcmFrame): void {
    if (this.closing || this.failed) return;
    const durationMs = (frame.samples.length / frame.sampleRate) * 1000;
    this.counters.audioSeconds += durationMs / 1000;
    const pcm16 = frame.sampleRate === 8000 ? this.filler.process(frame.samples) : frame.samples;
    const buf = Buffer.from(pcm16.buffer, pcm16.byteOffset, pcm16.byteLength);
    if (!this.proc.write(buf)) {
      this.counters.droppedFrames++;
      this.nextMediaMs = undefined;
      return;
    }
    if (this.nextMediaMs === undefined || Math.abs(this.nextMediaMs - frame.timestamp) > 0.5) {
      this.segments.push({ processMs: this.writtenMs, mediaMs: frame.timestamp });
      if (this.segments.length > MAX_SEGMENTS) this.segments.splice(0, this.segments.length - MAX_SEGMENTS);
    }
    this.writtenMs += durationMs;
    this.nextMediaMs = frame.timestamp + durationMs;
  }

  onUtterance(listener: (u: Utterance) => void): () => void {
    this.utteranceListeners.add(listener);
    return () => this.utteranceListeners.delete(listener);
  }

  onError(listener: (err: Error) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  stats(): RecognizerStats {
    return { ...this.counters };
  }

  close(): Promise<void> {
    return (this.closing ??= this.proc.close());
  }

  private spawn(): PocketsphinxProcess {
    // Each process counts from its own first sample.
    this.segments = [];
    this.writtenMs = 0;
    this.nextMediaMs = undefined;
    const proc: PocketsphinxProcess = new PocketsphinxProcess({
      args: this.opts.args,
      ...(this.opts.binary ? { binary: this.opts.binary } : {}),
      onUtterance: (raw) => this.deliver(raw),
      onExit: (code, signal) => this.onExit(proc, code, signal),
    });
    return proc;
  }

  private onExit(proc: PocketsphinxProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.closing || proc !== this.proc) return;
    const max = this.opts.maxRestarts ?? 5;
    if (this.counters.restarts >= max) {
      this.failed = true;
      this.opts.log.error({ code, signal, restarts: this.counters.restarts }, 'offline recognizer gave up');
      const err = new Error(`pocketsphinx exited (${signal ?? code}) after ${this.counters.restarts} restarts`);
      for (const l of this.errorListeners) l(err);
      return;
    }
    this.counters.restarts++;
    this.opts.log.warn({ code, signal, restarts: this.counters.restarts }, 'offline recognizer restarted');
    this.proc = this.spawn();
  }

  private deliver(raw: RawUtterance): void {
    if (raw.words.length === 0) return;
    const words: RecognizedWord[] = raw.words.map((w) => ({
      word: w.word,
      startMs: Math.max(0, Math.round(this.toMediaMs(w.start * 1000))),
      endMs: Math.max(0, Math.round(this.toMediaMs(w.end * 1000))),
      confidence: w.posterior,
    }));
    const text = words.map((w) => w.word).join(' ');
    const keyphrases = spotKeyphrases(text);
    const u: Utterance = {
      kind: 'final',
      text,
      role: this.opts.role,
      streamIndex: this.opts.streamIndex,
      startMs: words[0]!.startMs,
      endMs: words[words.length - 1]!.endMs,
      confidence: Math.round((words.reduce((s, w) => s + w.confidence, 0) / words.length) * 1000) / 1000,
      source: 'offline',
      words,
      ...(keyphrases.length > 0 ? { keyphrases } : {}),
    };
    this.counters.utterances++;
    for (const l of this.utteranceListeners) l(u);
  }

  private toMediaMs(processMs: number): number {
    const t = processMs - (this.opts.sampleRate === 8000 ? BAND_FILL_DELAY_MS : 0);
    let seg: Segment | undefined;
    for (const s of this.segments) {
      if (s.processMs <= t) seg = s;
      else break;
    }
    seg ??= this.segments[0];
    return seg ? seg.mediaMs + (t - seg.processMs) : t;
  }
}
