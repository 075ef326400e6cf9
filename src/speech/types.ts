/**
 * The recognizer port: one recognizer per participant stream. PCM frames in (20 ms, 8 or 16 kHz,
 * in real time as they arrive from RTP), partial and final utterances out. Nothing a recognizer
 * hears or says is logged or persisted.
 */
import type { PcmFrame } from '../media/types.js';
import type { Role } from '../siprec/types.js';

/** One recognised word with the engine's confidence in it. */
export interface RecognizedWord {
  word: string;
  /** Media time, as Utterance.startMs/endMs. */
  startMs: number;
  endMs: number;
  /** 0..1: the decoder's posterior for the word. */
  confidence: number;
}

/**
 * Which engine heard it. Evidence weighs differently: an offline decoder's words are hints until
 * corroborated; a cloud recognizer's are taken as said (docs/analysis.md).
 */
export type SpeechSource = 'offline' | 'azure';

export interface Utterance {
  /** Partial hypotheses are replaced by the final that follows them. */
  kind: 'partial' | 'final';
  text: string;
  role: Role | 'unknown';
  /** Stream (m-line index) it was heard on. */
  streamIndex: number;
  /** Media time (ms since the stream's first packet) of the utterance's start and end. */
  startMs: number;
  endMs: number;
  /** 0..1 when the engine gives one. */
  confidence?: number;
  /** The engine that produced it, when known. */
  source?: SpeechSource;
  /** Word by word, with confidences, when the engine gives them (offline). */
  words?: RecognizedWord[];
  /** Multi-word scam phrases of the shared list found in it, lower-case (counted, never logged). */
  keyphrases?: string[];
}

export interface RecognizerStats {
  /** Audio seconds handed to the engine. */
  audioSeconds: number;
  /** Frames dropped because the engine fell behind (never buffered without bound). */
  droppedFrames: number;
  utterances: number;
  /** Restarts after the engine died or ended a turn. */
  restarts: number;
  /** Latest known lag between audio written and results, ms (when measurable). */
  lagMs?: number;
}

export interface RecognizerStartOptions {
  role: Role | 'unknown';
  streamIndex: number;
  sampleRate: 8000 | 16000;
  /** BCP 47, e.g. en-US. */
  language: string;
}

/** One running recognition of one stream. */
export interface Recognizer {
  /** Feeds one frame; never blocks, drops (and counts) when the engine is behind. */
  write(frame: PcmFrame): void;
  /** Results; returns an unsubscribe function. */
  onUtterance(listener: (u: Utterance) => void): () => void;
  /** Fatal errors after start (the engine keeps recording without transcription). */
  onError(listener: (err: Error) => void): () => void;
  stats(): RecognizerStats;
  /** Stops recognition and releases everything (sockets, processes, streams). Idempotent. */
  close(): Promise<void>;
}

/** Creates recognizers; one per node, chosen by CALLGUARD_SPEECH. */
export interface RecognizerFactory {
  readonly name: 'azure' | 'offline' | 'none';
  /** Resolves when the recognizer is ready to take audio, or rejects (the call goes on untranscribed). */
  start(opts: RecognizerStartOptions): Promise<Recognizer>;
  /**
   * Prepares what every stream shares (the offline model, built in ~1.5 s) at node start, so the first
   * call's opening words do not wait for it. A rejection is logged; start() then fails as it would have.
   */
  warm?(): Promise<void>;
  /** Releases shared resources (generated model dirs, connections). Idempotent. */
  close(): Promise<void>;
}
