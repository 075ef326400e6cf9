/**
 * The node's speech recognizers: one per transcribed stream while the node has capacity
 * (CALLGUARD_SPEECH_MAX), each fed its endpoint's PCM frames and reporting utterances to its call.
 */
import type { Logger } from '../log.js';
import type { RtpEndpoint } from '../media/types.js';
import { EarlyFrames } from './early-frames.js';
import type { Recognizer } from '../speech/types.js';
import type { LiveCall } from './live-call.js';
import type { EngineDeps } from './types.js';

/** 10 s of 20 ms frames: a start slower than that is a fault, not a start (a kept frame keeps its ~16 KB slab). */
const MAX_EARLY_FRAMES = 500;

/** A running recognizer and how to detach it from its endpoint's frames. */
export interface Transcriber {
  rec: Recognizer;
  detach: () => void;
}

export class Recognizers {
  private active = 0;
  /** Recognizers wired to a stream, for their lag figure (metrics). */
  private readonly live = new Set<Recognizer>();

  constructor(
    private readonly deps: Pick<EngineDeps, 'speech' | 'subscribers'> & { config: Pick<EngineDeps['config'], 'speech'> },
    private readonly log: Logger,
    private readonly now: () => number,
  ) {}

  get count(): number {
    return this.active;
  }

  /** Largest lag (ms) a live recognizer reports; undefined when none measures it. */
  lagMs(): number | undefined {
    let max: number | undefined;
    for (const rec of this.live) {
      const lag = rec.stats().lagMs;
      if (lag !== undefined && (max === undefined || lag > max)) max = lag;
    }
    return max;
  }

  /** Starts transcribing one stream of a call; undefined when the node transcribes nothing or is at capacity. */
  start(call: LiveCall, index: number, ep: RtpEndpoint): Promise<Transcriber | undefined> | undefined {
    const factory = this.deps.speech;
    if (!factory) return undefined;
    if (this.active >= (this.deps.config.speech?.max ?? Infinity)) {
      // Still recorded, not transcribed: visible on the call and in the count.
      call.actor.send({ type: 'speech.status', status: 'capped' });
      return undefined;
    }
    this.active++;
    const stream = call.actor.getSnapshot().context.streams.find((s) => s.index === index);
    const rate = stream?.codec?.startsWith('G722') ? 16000 : 8000;
    // The caller's first words are who they claim to be: frames that arrive while the recognizer starts
    // (a locale lookup, a decoder process, a service connection) wait for it, up to a bound.
    const early = new EarlyFrames(MAX_EARLY_FRAMES);
    const detachEarly = ep.onFrame((frame) => early.push(frame));
    return (async (): Promise<Transcriber | undefined> => {
      call.language ??= await this.languageFor(call.actor.getSnapshot().context.subscriber);
      const rec = await factory.start({ role: stream?.role ?? 'unknown', streamIndex: index, sampleRate: rate, language: call.language });
      if (call.ended || !call.resources.media.has(index)) {
        detachEarly();
        await this.close({ rec, detach: () => {} });
        return undefined;
      }
      const detach = ep.onFrame((frame) => rec.write(frame));
      // Off only once the live listener is on: a media worker stops building frames when its stream's
      // last listener goes. All of this runs in one turn, so no frame falls between the two.
      detachEarly();
      early.drain((frame) => rec.write(frame));
      if (early.dropped > 0) this.log.warn({ callId: call.id, stream: index, droppedFrames: early.dropped }, 'recognizer started late; the first audio was not transcribed');
      this.live.add(rec);
      rec.onUtterance((utterance) => call.actor.send({ type: 'speech.utterance', at: this.now(), utterance }));
      rec.onError((err) => {
        this.log.warn({ callId: call.id, stream: index, err: err.message }, 'recognizer failed; recording goes on untranscribed');
        call.actor.send({ type: 'speech.status', status: 'failed' });
      });
      call.actor.send({ type: 'speech.status', status: 'on' });
      return { rec, detach };
    })().catch((err: unknown) => {
      detachEarly();
      this.active--;
      this.log.warn({ callId: call.id, stream: index, err: (err as Error).message }, 'recognizer did not start; recording goes on untranscribed');
      call.actor.send({ type: 'speech.status', status: 'failed' });
      return undefined;
    });
  }

  async close(t: Transcriber): Promise<void> {
    this.active--;
    this.live.delete(t.rec);
    t.detach();
    await t.rec.close().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'closing a recognizer failed'));
  }

  /** The subscriber's locale as a recognition language (es → es-ES), else the node default. */
  private async languageFor(subscriber: string): Promise<string> {
    const fallback = this.deps.config.speech?.language ?? 'en-US';
    const locale = (await this.deps.subscribers.get(subscriber).catch(() => undefined))?.locale;
    if (!locale) return fallback;
    if (locale.includes('-')) return locale;
    if (fallback.toLowerCase().startsWith(`${locale.toLowerCase()}-`)) return fallback;
    return `${locale.toLowerCase()}-${locale.toUpperCase()}`;
  }
}
