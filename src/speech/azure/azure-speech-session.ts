/**
 * One Azure Speech session: an SDK recognizer + push stream + websocket, opened for one stream and
 * torn down for good (sessions are replaced, never revived; azure-recognizer.ts decides when).
 *
 * Times: the service reports Offset/Duration in 100-ns ticks of the audio the session's push stream
 * carried. Each session keeps a short map from push-stream ms to media ms (a segment starts at every
 * discontinuity: the first frame, and the first frame after a drop), so results land on the
 * stream's media timeline even across restarts and drops.
 */
import {
  AudioConfig,
  AudioInputStream,
  AudioStreamFormat,
  Connection,
  OutputFormat,
  PhraseListGrammar,
  SpeechConfig,
  SpeechRecognizer,
  type PushAudioInputStream,
} from 'microsoft-cognitiveservices-speech-sdk';
import type { Logger } from '../../log.js';
import type { PcmFrame } from '../../media/types.js';
import type { ResolvedAzureSpeechOptions } from './azure-speech-config.js';

/** Property the SDK reads for its unthrottled fast lane (the misspelling is the SDK's). */
const TRANSMIT_AHEAD_PROPERTY = 'SPEECH-TransmitLengthBeforThrottleMs';
/**
 * Bounds on teardown steps, so a wedged SDK call cannot hold close() forever. Stopping waits for
 * the service's turn.end, which never comes on a dead socket.
 */
const STOP_CONNECTED_MS = 2000;
const STOP_DISCONNECTED_MS = 200;
const CLOSE_STEP_MS = 2000;
/** Segments of the push-stream → media map kept per session (each is a discontinuity). */
const MAX_SEGMENTS = 256;

interface Segment {
  streamMs: number;
  mediaMs: number;
}

export interface Session {
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

/** The SDK's configuration for one session: credential, location, language, detailed output. */
export async function speechConfigFor(opts: ResolvedAzureSpeechOptions, language: string): Promise<SpeechConfig> {
  const { credential, location } = opts;
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
  config.speechRecognitionLanguage = language;
  // Detailed results carry NBest confidences.
  config.outputFormat = OutputFormat.Detailed;
  if (opts.transmitAheadMs !== undefined) {
    config.setProperty(TRANSMIT_AHEAD_PROPERTY, String(opts.transmitAheadMs));
  }
  return config;
}

/** The SDK objects of a new session (not yet started); `speechConfig` is closed once used. */
export function createSession(id: number, speechConfig: SpeechConfig, sampleRate: number, phrases: readonly string[]): Session {
  const format = AudioStreamFormat.getWaveFormatPCM(sampleRate, 16, 1);
  const push = AudioInputStream.createPushStream(format);
  const recognizer = new SpeechRecognizer(speechConfig, AudioConfig.fromStreamInput(push));
  speechConfig.close();
  // Phrase lists are per recognizer, so every session re-adds them.
  const grammar = PhraseListGrammar.fromRecognizer(recognizer);
  grammar.addPhrases([...phrases]);
  const connection = Connection.fromRecognizer(recognizer);
  return { id, recognizer, push, connection, connected: false, socketLost: false, retired: false, streamMs: 0, segments: [] };
}

/** Writes one frame into the push stream, extending the push-stream → media map; returns its ms. */
export function writeFrame(s: Session, frame: PcmFrame): number {
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
  return frameMs;
}

/** Push-stream ms → media ms, through the segment that contains it. */
export function toMediaMs(s: Session, streamMs: number): number {
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

/** stop → close recognizer → close push stream, each attempted whatever happened before it. */
export async function teardownSession(s: Session, wasConnected: boolean, log: Logger): Promise<void> {
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
