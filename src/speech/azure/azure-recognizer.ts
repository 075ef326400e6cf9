/**
 * Recognizer over the Azure Speech SDK: continuous recognition of one participant stream fed from a
 * PushAudioInputStream at the stream's own rate (8 or 16 kHz, 16-bit mono, sent as is).
 *
 * A "session" is one SDK recognizer + push stream + websocket. Sessions are replaced, never
 * revived: when the service stops recognition (long silence, the ~10-minute turn limit surfacing as
 * sessionStopped/EndOfStream) or the socket fails (canceled with an error), the session is torn
 * down (stop → close recognizer → close push stream) and a new one opened, with back-off after
 * failures and a bounded number of consecutive failed attempts before onError.
 *
 * Back-pressure: frames go straight into the push stream only while the session's socket is
 * connected, where the SDK sends at up to 2× real time and frames arrive at 1×, so its buffer
 * cannot grow. While (re)connecting, frames wait in a bounded queue; beyond it the oldest are
 * dropped and counted, never buffered without bound (a known SDK leak with push streams).
 *
 * This file decides when sessions open, end and are replaced; the parts have their own files:
 * azure-speech-session.ts (one session's SDK objects, its push-stream → media time map, teardown),
 * azure-reconnect.ts (back-off, refusals, the bounded frame queue), azure-utterance.ts (result →
 * utterance).
 */
import {
  CancellationErrorCode,
  CancellationReason,
  ResultReason,
  type SpeechRecognitionResult,
} from 'microsoft-cognitiveservices-speech-sdk';
import { KEYPHRASES } from '../../analysis/keyphrases.js';
import type { Logger } from '../../log.js';
import type { PcmFrame } from '../../media/types.js';
import type { Recognizer, RecognizerStartOptions, RecognizerStats, Utterance } from '../types.js';
import { BoundedFrameQueue, isRefusal, ReconnectBackoff } from './azure-reconnect.js';
import { describeLocation, validateLanguage, type ResolvedAzureSpeechOptions } from './azure-speech-config.js';
import { AzureRecognitionError } from './azure-speech-errors.js';
import { createSession, speechConfigFor, teardownSession, writeFrame, type Session } from './azure-speech-session.js';
import { toUtterance } from './azure-utterance.js';

const KEYPHRASE_LIST = KEYPHRASES.map((k) => k.phrase);

export interface AzureRecognizerHooks {
  /** Called once close() has released everything. */
  onClosed?: (r: AzureRecognizer) => void;
}

type StartWaiter = { resolve: () => void; reject: (err: Error) => void };

export class AzureRecognizer implements Recognizer {
  private readonly log: Logger;
  private readonly utteranceListeners = new Set<(u: Utterance) => void>();
  private readonly errorListeners = new Set<(err: Error) => void>();
  private readonly counters = { audioSeconds: 0, droppedFrames: 0, utterances: 0, restarts: 0 };
  private lagMs: number | undefined;
  private session: Session | undefined;
  private readonly retiring = new Set<Promise<void>>();
  private readonly queue: BoundedFrameQueue;
  private sessionSeq = 0;
  /** Consecutive failed sessions (reset by a result or a clean stop). */
  private readonly backoff: ReconnectBackoff;
  /** The shared keyphrases and the configured ones: every session re-adds them. */
  private readonly phrases: readonly string[];
  private restartTimer: NodeJS.Timeout | undefined;
  private opening: Promise<void> | undefined;
  private startWaiter: StartWaiter | undefined;
  private closing: Promise<void> | undefined;
  private failed = false;
  private warnedRate = false;

  private constructor(
    private readonly opts: ResolvedAzureSpeechOptions,
    private readonly start: RecognizerStartOptions,
    private readonly hooks: AzureRecognizerHooks,
  ) {
    this.log = opts.logger.child({ component: 'azure-speech', streamIndex: start.streamIndex, role: start.role });
    this.queue = new BoundedFrameQueue(opts.maxQueuedFrames);
    this.backoff = new ReconnectBackoff(opts.reconnectBaseMs, opts.maxReconnectAttempts);
    this.phrases = [...new Set([...KEYPHRASE_LIST, ...opts.phraseList])];
  }

  /** Opens the first session; resolves once the service connected, rejects (and releases all) otherwise. */
  static async start(
    opts: ResolvedAzureSpeechOptions,
    start: RecognizerStartOptions,
    hooks: AzureRecognizerHooks = {},
  ): Promise<AzureRecognizer> {
    validateLanguage(start.language);
    if (start.sampleRate !== 8000 && start.sampleRate !== 16000) {
      throw new RangeError('sampleRate must be 8000 or 16000');
    }
    const r = new AzureRecognizer(opts, start, hooks);
    const connected = new Promise<void>((resolve, reject) => {
      r.startWaiter = { resolve, reject };
    });
    const timer = setTimeout(() => {
      r.settleStart(new AzureRecognitionError('AZURE_SPEECH_START_FAILED', `no connection within ${opts.connectTimeoutMs} ms`));
    }, opts.connectTimeoutMs);
    try {
      await r.openSession();
      await connected;
      r.log.info({ location: describeLocation(opts.location), language: start.language }, 'azure recognition started');
      return r;
    } catch (err) {
      await r.close();
      throw err instanceof AzureRecognitionError
        ? err
        : new AzureRecognitionError('AZURE_SPEECH_START_FAILED', 'could not start Azure recognition', undefined, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  write(frame: PcmFrame): void {
    if (this.closing || this.failed) return;
    if (frame.sampleRate !== this.start.sampleRate) {
      // The push stream's format is fixed at creation; a rate change mid-stream cannot be sent.
      this.counters.droppedFrames++;
      if (!this.warnedRate) {
        this.warnedRate = true;
        this.log.warn({ expected: this.start.sampleRate, got: frame.sampleRate }, 'frame sample rate differs from the stream; dropping');
      }
      return;
    }
    const s = this.session;
    if (s && s.connected && !s.retired && this.queue.length === 0) {
      this.writeToSession(s, frame);
      return;
    }
    if (this.queue.push(frame)) this.counters.droppedFrames++;
    if (s && s.connected && !s.retired) this.flushQueue(s);
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
    const out: RecognizerStats = { ...this.counters, audioSeconds: Math.round(this.counters.audioSeconds * 1000) / 1000 };
    if (this.lagMs !== undefined) out.lagMs = this.lagMs;
    return out;
  }

  /**
   * Idempotent: stop → close recognizer → close push stream for the current session and any still
   * being replaced, each step run even when the one before it fails, so no socket outlives it.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.queue.clear();
    this.settleStart(new AzureRecognitionError('AZURE_SPEECH_START_FAILED', 'closed before the service connected'));
    // A session being opened (awaiting a token) retires itself once it sees `closing`.
    await this.opening?.catch(() => undefined);
    const s = this.session;
    this.session = undefined;
    if (s) this.retire(s);
    await Promise.all([...this.retiring]);
    this.log.debug({ ...this.stats() }, 'azure recognizer closed');
    this.hooks.onClosed?.(this);
  }

  // ---- sessions ----

  private openSession(): Promise<void> {
    const p = this.doOpenSession();
    this.opening = p;
    return p.finally(() => {
      if (this.opening === p) this.opening = undefined;
    });
  }

  private async doOpenSession(): Promise<void> {
    const speechConfig = await speechConfigFor(this.opts, this.start.language);
    if (this.closing) return;
    const s = createSession(++this.sessionSeq, speechConfig, this.start.sampleRate, this.phrases);
    const { recognizer, connection } = s;
    this.session = s;

    connection.connected = () => {
      if (s.retired) return;
      s.connected = true;
      this.log.debug({ session: s.id }, 'azure speech connected');
      this.settleStart();
      this.flushQueue(s);
    };
    connection.disconnected = () => {
      s.connected = false;
      if (s.retired) return;
      s.socketLost = true;
      // The SDK would only reconnect when it next reads audio, which we hold back while
      // disconnected; a fresh session is the bounded, observable way back.
      this.onSessionFailed(s, CancellationErrorCode.ConnectionFailure, 'socket closed by the service');
    };
    connection.messageReceived = (e) => {
      // In continuous mode the SDK opens the next turn by itself after the service ends one (the
      // ~10-minute limit); count it as a restart, as the port defines them.
      if (!s.retired && !this.closing && e.message.path.toLowerCase() === 'turn.end') {
        this.counters.restarts++;
        this.log.debug({ session: s.id }, 'azure service ended a turn; continuing');
      }
    };
    recognizer.recognizing = (_r, e) => {
      if (s.retired) return;
      this.onResult(s, 'partial', e.result);
    };
    recognizer.recognized = (_r, e) => {
      if (s.retired) return;
      if (e.result.reason === ResultReason.RecognizedSpeech) this.onResult(s, 'final', e.result);
    };
    recognizer.canceled = (_r, e) => {
      if (s.retired) return;
      if (e.reason === CancellationReason.Error) {
        this.onSessionFailed(s, e.errorCode, e.errorDetails);
      } else {
        this.onSessionEnded(s, 'end-of-stream');
      }
    };
    recognizer.sessionStopped = () => {
      if (s.retired) return;
      this.onSessionEnded(s, 'session-stopped');
    };

    try {
      await new Promise<void>((resolve, reject) =>
        recognizer.startContinuousRecognitionAsync(resolve, (e) => reject(new Error(this.redact(String(e))))),
      );
    } catch (err) {
      this.onSessionFailed(s, CancellationErrorCode.RuntimeError, (err as Error).message);
      return;
    }
    if (this.closing && this.session === s) {
      this.session = undefined;
      this.retire(s);
    }
  }

  /** The service ended recognition cleanly (silence, turn limit): replace the session at once. */
  private onSessionEnded(s: Session, reason: string): void {
    if (this.session !== s || this.closing || this.failed) return;
    this.backoff.reset();
    this.log.info({ session: s.id, reason }, 'azure recognition ended; restarting');
    this.replace(s, 0);
  }

  private onSessionFailed(s: Session, code: CancellationErrorCode, details: string | undefined): void {
    if (this.session !== s || this.closing || this.failed) return;
    const codeName = CancellationErrorCode[code] ?? String(code);
    const safeDetails = details ? this.redact(details) : undefined;
    if (isRefusal(code)) {
      this.fail(s, new AzureRecognitionError('AZURE_SPEECH_REFUSED', `Azure Speech refused recognition (${codeName})`, codeName));
      return;
    }
    const delay = this.backoff.fail();
    if (delay === undefined) {
      this.fail(
        s,
        new AzureRecognitionError(
          'AZURE_SPEECH_RECONNECT_EXHAUSTED',
          `Azure Speech failed ${this.backoff.attempts} times in a row (${codeName})`,
          codeName,
        ),
      );
      return;
    }
    this.log.warn({ session: s.id, code: codeName, details: safeDetails, attempt: this.backoff.attempts, delayMs: delay }, 'azure recognition failed; reconnecting');
    this.replace(s, delay);
  }

  /** Retires `s` now and opens its successor after `delayMs` (a restart). */
  private replace(s: Session, delayMs: number): void {
    this.session = undefined;
    this.retire(s);
    // Before the first connection start() is still waiting: a failure there is start()'s to report.
    if (this.startWaiter) {
      this.settleStart(new AzureRecognitionError('AZURE_SPEECH_START_FAILED', 'Azure Speech did not connect'));
      return;
    }
    this.counters.restarts++;
    const reopen = (): void => {
      this.restartTimer = undefined;
      if (this.closing || this.failed) return;
      this.openSession().catch((err: unknown) => {
        // Opening failed before a session existed (e.g. the token provider threw): count it as a failure.
        this.log.warn({ err: this.redact(String((err as Error)?.message ?? err)) }, 'azure session could not be opened');
        if (this.session || this.closing || this.failed) return;
        const delay = this.backoff.fail();
        if (delay === undefined) {
          this.failed = true;
          this.emitError(new AzureRecognitionError('AZURE_SPEECH_RECONNECT_EXHAUSTED', 'Azure Speech session could not be opened', undefined, { cause: err }));
          return;
        }
        this.counters.restarts++;
        this.restartTimer = setTimeout(reopen, delay);
      });
    };
    if (delayMs === 0) reopen();
    else this.restartTimer = setTimeout(reopen, delayMs);
  }

  private fail(s: Session, err: AzureRecognitionError): void {
    this.failed = true;
    this.session = undefined;
    this.queue.clear();
    this.retire(s);
    this.log.error({ code: err.code, sdkErrorCode: err.sdkErrorCode }, 'azure recognition gave up');
    if (this.startWaiter) this.settleStart(err);
    else this.emitError(err);
  }

  /** Tears a session down in the background; close() waits for every one still in flight. */
  private retire(s: Session): void {
    if (s.teardown) return;
    const wasConnected = s.connected;
    s.retired = true;
    s.connected = false;
    const p = teardownSession(s, wasConnected, this.log);
    s.teardown = p;
    this.retiring.add(p);
    void p.finally(() => this.retiring.delete(p));
  }

  // ---- audio ----

  private flushQueue(s: Session): void {
    while (this.queue.length > 0 && s.connected && !s.retired) {
      this.writeToSession(s, this.queue.shift()!);
    }
  }

  private writeToSession(s: Session, frame: PcmFrame): void {
    this.counters.audioSeconds += writeFrame(s, frame) / 1000;
  }

  // ---- results ----

  private onResult(s: Session, kind: Utterance['kind'], result: SpeechRecognitionResult): void {
    const u = toUtterance(s, kind, result, this.start);
    if (u === undefined) return;
    this.backoff.reset();
    if (kind === 'final') {
      this.counters.utterances++;
      if (s.nextMediaMs !== undefined) this.lagMs = Math.max(0, Math.round(s.nextMediaMs - u.endMs));
    }
    for (const l of this.utteranceListeners) {
      try {
        l(u);
      } catch (err) {
        this.log.error({ err: (err as Error)?.name }, 'utterance listener threw');
      }
    }
  }

  private emitError(err: Error): void {
    for (const l of this.errorListeners) {
      try {
        l(err);
      } catch {
        /* a listener's failure must not stop the others */
      }
    }
  }

  private settleStart(err?: Error): void {
    const w = this.startWaiter;
    if (!w) return;
    this.startWaiter = undefined;
    if (err) w.reject(err);
    else w.resolve();
  }

  /** SDK error details can quote the connection URL, which may carry the key. */
  private redact(text: string): string {
    let out = text.replace(/\b(wss?|https?):\/\/\S+/gi, '<url>');
    if (this.opts.credential.kind === 'key') out = out.split(this.opts.credential.key).join('<key>');
    return out.slice(0, 300);
  }
}
