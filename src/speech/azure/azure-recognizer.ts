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
 * Times: the service reports Offset/Duration in 100-ns ticks of the audio the session's push stream
 * carried. Each session keeps a short map from push-stream ms to media ms (a segment starts at every
 * discontinuity: the first frame, and the first frame after a drop), so results land on the
 * stream's media timeline even across restarts and drops.
 */
import {
  AudioConfig,
  AudioInputStream,
  CancellationErrorCode,
  CancellationReason,
  Connection,
  OutputFormat,
  PhraseListGrammar,
  ResultReason,
  SpeechConfig,
  SpeechRecognizer,
  AudioStreamFormat,
  type PushAudioInputStream,
  type SpeechRecognitionResult,
} from 'microsoft-cognitiveservices-speech-sdk';
import { KEYPHRASES, spotKeyphrases } from '../../analysis/keyphrases.js';
import type { Logger } from '../../log.js';
import type { PcmFrame } from '../../media/types.js';
import type { Recognizer, RecognizerStartOptions, RecognizerStats, Utterance } from '../types.js';
import { describeLocation, validateLanguage, type ResolvedAzureSpeechOptions } from './azure-speech-config.js';
import { AzureRecognitionError } from './azure-speech-errors.js';

const TICKS_PER_MS = 10_000;
/** Property the SDK reads for its unthrottled fast lane (the misspelling is the SDK's). */
const TRANSMIT_AHEAD_PROPERTY = 'SPEECH-TransmitLengthBeforThrottleMs';
const MAX_BACKOFF_MS = 5000;
/**
 * Bounds on teardown steps, so a wedged SDK call cannot hold close() forever. Stopping waits for
 * the service's turn.end, which never comes on a dead socket.
 */
const STOP_CONNECTED_MS = 2000;
const STOP_DISCONNECTED_MS = 200;
const CLOSE_STEP_MS = 2000;
/** Segments of the push-stream → media map kept per session (each is a discontinuity). */
const MAX_SEGMENTS = 256;
/** SDK cancellations that another attempt cannot fix. */
const REFUSALS = new Set<CancellationErrorCode>([
  CancellationErrorCode.AuthenticationFailure,
  CancellationErrorCode.Forbidden,
  CancellationErrorCode.BadRequestParameters,
]);
const KEYPHRASE_LIST = KEYPHRASES.map((k) => k.phrase);

interface Segment {
  streamMs: number;
  mediaMs: number;
}

interface Session {
  readonly id: number;
  readonly recognizer: SpeechRecognizer;
  readonly push: PushAudioInputStream;
  readonly connection: Connection;
  connected: boolean;
  /** The service dropped the socket. */
  socketLost: boolean;
  /** Replaced (or closing): its events are ignored from then on. */
  retired: boolean;
  /** Ms of audio written into the push stream. */
  streamMs: number;
  /** Media time the next frame must have to continue the current segment. */
  nextMediaMs?: number;
  segments: Segment[];
  teardown?: Promise<void>;
}

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
  private readonly queue: PcmFrame[] = [];
  private sessionSeq = 0;
  /** Consecutive failed sessions (reset by a result or a clean stop). */
  private failures = 0;
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
    this.queue.push(frame);
    if (this.queue.length > this.opts.maxQueuedFrames) {
      this.queue.shift();
      this.counters.droppedFrames++;
    }
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
    this.queue.length = 0;
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
    const speechConfig = await this.speechConfig();
    if (this.closing) return;
    const format = AudioStreamFormat.getWaveFormatPCM(this.start.sampleRate, 16, 1);
    const push = AudioInputStream.createPushStream(format);
    const recognizer = new SpeechRecognizer(speechConfig, AudioConfig.fromStreamInput(push));
    speechConfig.close();
    // Phrase lists are per recognizer, so every session re-adds them.
    const grammar = PhraseListGrammar.fromRecognizer(recognizer);
    grammar.addPhrases([...new Set([...KEYPHRASE_LIST, ...this.opts.phraseList])]);
    const connection = Connection.fromRecognizer(recognizer);
    const s: Session = {
      id: ++this.sessionSeq,
      recognizer,
      push,
      connection,
      connected: false,
      socketLost: false,
      retired: false,
      streamMs: 0,
      segments: [],
    };
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

  private async speechConfig(): Promise<SpeechConfig> {
    const { credential, location } = this.opts;
    let config: SpeechConfig;
    if (credential.kind === 'key') {
      config =
        location.kind === 'endpoint'
          ? SpeechConfig.fromEndpoint(new URL(location.endpoint.href), credential.key)
          : SpeechConfig.fromSubscription(credential.key, location.region);
    } else {
      // Asked again before every session: tokens expire within the hour, calls last longer.
      const token = await credential.token();
      if (location.kind === 'endpoint') {
        config = SpeechConfig.fromEndpoint(new URL(location.endpoint.href));
        config.authorizationToken = token;
      } else {
        config = SpeechConfig.fromAuthorizationToken(token, location.region);
      }
    }
    config.speechRecognitionLanguage = this.start.language;
    // Detailed results carry NBest confidences.
    config.outputFormat = OutputFormat.Detailed;
    if (this.opts.transmitAheadMs !== undefined) {
      config.setProperty(TRANSMIT_AHEAD_PROPERTY, String(this.opts.transmitAheadMs));
    }
    return config;
  }

  /** The service ended recognition cleanly (silence, turn limit): replace the session at once. */
  private onSessionEnded(s: Session, reason: string): void {
    if (this.session !== s || this.closing || this.failed) return;
    this.failures = 0;
    this.log.info({ session: s.id, reason }, 'azure recognition ended; restarting');
    this.replace(s, 0);
  }

  private onSessionFailed(s: Session, code: CancellationErrorCode, details: string | undefined): void {
    if (this.session !== s || this.closing || this.failed) return;
    const codeName = CancellationErrorCode[code] ?? String(code);
    const safeDetails = details ? this.redact(details) : undefined;
    if (REFUSALS.has(code)) {
      this.fail(s, new AzureRecognitionError('AZURE_SPEECH_REFUSED', `Azure Speech refused recognition (${codeName})`, codeName));
      return;
    }
    this.failures++;
    if (this.failures > this.opts.maxReconnectAttempts) {
      this.fail(
        s,
        new AzureRecognitionError(
          'AZURE_SPEECH_RECONNECT_EXHAUSTED',
          `Azure Speech failed ${this.failures} times in a row (${codeName})`,
          codeName,
        ),
      );
      return;
    }
    const delay = Math.min(MAX_BACKOFF_MS, this.opts.reconnectBaseMs * 2 ** (this.failures - 1));
    this.log.warn({ session: s.id, code: codeName, details: safeDetails, attempt: this.failures, delayMs: delay }, 'azure recognition failed; reconnecting');
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
        this.failures++;
        if (this.failures > this.opts.maxReconnectAttempts) {
          this.failed = true;
          this.emitError(new AzureRecognitionError('AZURE_SPEECH_RECONNECT_EXHAUSTED', 'Azure Speech session could not be opened', undefined, { cause: err }));
          return;
        }
        this.counters.restarts++;
        this.restartTimer = setTimeout(reopen, Math.min(MAX_BACKOFF_MS, this.opts.reconnectBaseMs * 2 ** (this.failures - 1)));
      });
    };
    if (delayMs === 0) reopen();
    else this.restartTimer = setTimeout(reopen, delayMs);
  }

  private fail(s: Session, err: AzureRecognitionError): void {
    this.failed = true;
    this.session = undefined;
    this.queue.length = 0;
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
    const p = teardown(s, wasConnected, this.log);
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
    const frameMs = (frame.samples.length / frame.sampleRate) * 1000;
    if (s.nextMediaMs === undefined || Math.abs(frame.timestamp - s.nextMediaMs) > 0.5) {
      s.segments.push({ streamMs: s.streamMs, mediaMs: frame.timestamp });
      if (s.segments.length > MAX_SEGMENTS) s.segments.shift();
    }
    // Copy: the frame's samples may be a view into a larger, reused buffer.
    const bytes = new Uint8Array(frame.samples.buffer, frame.samples.byteOffset, frame.samples.byteLength).slice();
    s.push.write(bytes.buffer);
    s.streamMs += frameMs;
    s.nextMediaMs = frame.timestamp + frameMs;
    this.counters.audioSeconds += frameMs / 1000;
  }

  /** Push-stream ms → media ms, through the segment that contains it. */
  private toMediaMs(s: Session, streamMs: number): number {
    let seg = s.segments[0];
    if (!seg) return streamMs;
    for (let i = s.segments.length - 1; i >= 0; i--) {
      if (s.segments[i]!.streamMs <= streamMs) {
        seg = s.segments[i]!;
        break;
      }
    }
    return Math.round(seg.mediaMs + (streamMs - seg.streamMs));
  }

  // ---- results ----

  private onResult(s: Session, kind: Utterance['kind'], result: SpeechRecognitionResult): void {
    const text = result.text ?? '';
    if (text.trim() === '') return;
    this.failures = 0;
    const startStream = result.offset / TICKS_PER_MS;
    const endStream = (result.offset + result.duration) / TICKS_PER_MS;
    const u: Utterance = {
      kind,
      text,
      role: this.start.role,
      streamIndex: this.start.streamIndex,
      startMs: this.toMediaMs(s, startStream),
      endMs: this.toMediaMs(s, endStream),
      source: 'azure',
    };
    if (kind === 'final') {
      const confidence = confidenceOf(result);
      if (confidence !== undefined) u.confidence = confidence;
      const spotted = spotKeyphrases(text);
      if (spotted.length > 0) u.keyphrases = spotted;
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

async function step(
  name: string,
  log: Logger,
  timeoutMs: number,
  fn: (done: () => void, fail: (e: unknown) => void) => void,
): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
      fn(resolve, reject);
    });
  } catch (err) {
    log.debug({ step: name, err: String((err as Error)?.message ?? err).slice(0, 100) }, 'azure teardown step failed');
  } finally {
    clearTimeout(timer);
  }
}

/** stop → close recognizer → close push stream, each attempted whatever happened before it. */
async function teardown(s: Session, wasConnected: boolean, log: Logger): Promise<void> {
  // Always stop first, even after the service dropped the socket: the SDK has by then dialled
  // again on its own, and only stop + close release that connection (skipping stop leaked it).
  await step('stop', log, wasConnected && !s.socketLost ? STOP_CONNECTED_MS : STOP_DISCONNECTED_MS, (done, fail) =>
    s.recognizer.stopContinuousRecognitionAsync(done, fail),
  );
  await step('close-recognizer', log, CLOSE_STEP_MS, (done, fail) => s.recognizer.close(done, fail));
  try {
    s.push.close();
  } catch {
    /* already closed */
  }
  try {
    s.connection.close();
  } catch {
    /* already closed */
  }
}

function confidenceOf(result: SpeechRecognitionResult): number | undefined {
  try {
    const json = JSON.parse(result.json) as { NBest?: { Confidence?: unknown }[] };
    const c = json.NBest?.[0]?.Confidence;
    return typeof c === 'number' && c >= 0 && c <= 1 ? c : undefined;
  } catch {
    return undefined;
  }
}
