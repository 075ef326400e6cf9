/**
 * `callguard eval --spoken`: labelled conversations are synthesised (a voice per role), laid out as
 * the two parties' tracks of one call, played with the simulator as a recorded call into a real node,
 * and scored by the SMS it sent while the call was up. These are the ports and records the modules of
 * this folder share; spoken-eval.ts runs them, command.ts is the CLI.
 */
import type { AnalyzerName } from '../../analysis/select.js';
import type { Env } from '../../config/index.js';
import type { Logger } from '../../log.js';
import type { CodecChoice, Party } from '../../simulate/types.js';
import type { Conversation } from '../../analysis/dataset.js';

export type Role = Party;

export const TTS_ENGINES = ['flite', 'espeak-ng'] as const;
export type TtsEngine = (typeof TTS_ENGINES)[number];

/** `flite:rms`, `espeak-ng:en-us`, `espeak-ng:en-gb+f3`. */
export interface VoiceSpec {
  engine: TtsEngine;
  voice: string;
  /** espeak-ng's voice variant (`+f3`, `+m2`). */
  variant?: string;
}

export type Voices = Record<Role, VoiceSpec>;

/** Mono 16-bit PCM at its sample rate. */
export interface Pcm {
  samples: Int16Array;
  sampleRate: number;
}

/** Text to speech, one utterance at a time (behind the cache). */
export interface Synthesizer {
  /** Fails with SpokenEvalError EVAL_TTS_MISSING (exit 2) when the engine is not installed. */
  synthesize(voice: VoiceSpec, text: string, signal?: AbortSignal): Promise<Pcm>;
  /** Checks that every engine these voices need is installed, before anything is played. */
  check(voices: readonly VoiceSpec[]): Promise<void>;
}

/** When one turn is heard in the call, on the call's audio timeline (ms from the first RTP slot). */
export interface TurnSlot {
  /** Position among the conversation's spoken turns (turns with no audio are left out). */
  index: number;
  role: Role;
  /** 0-based among the caller's turns (caller turns only). */
  callerIndex?: number;
  startMs: number;
  endMs: number;
}

export interface CallLayout {
  sampleRate: number;
  /** Both the same length: the whole call, each party silent while the other talks. */
  tracks: Record<Role, Int16Array>;
  schedule: TurnSlot[];
  durationMs: number;
}

export interface LayoutOptions {
  sampleRate: number;
  /** Silence before the first turn. */
  leadInMs: number;
  /** Silence between the end of a turn and the start of the next. */
  gapMs: number;
  /** Silence after the last turn: time for the recognizer and analyzer to finish the last words. */
  tailMs: number;
}

export type NoiseColor = 'pink' | 'white';

export interface NoiseOptions {
  /** Speech RMS over noise RMS, dB. */
  snrDb: number;
  color: NoiseColor;
  seed: number;
}

/** What the evaluator was asked to do (the command's options, parsed). */
export interface SpokenEvalOptions {
  /** Dataset files (JSONL or the shared CSV). */
  data: string[];
  /** First N scams and N legit per file, in file order. */
  limit?: number;
  /** Only these conversation ids. */
  ids?: string[];
  voices: Voices;
  codec: CodecChoice;
  gapS: number;
  leadInS: number;
  tailS: number;
  /** RTP packets lost, percent. */
  lossPct: number;
  noise?: { snrDb: number; color: NoiseColor };
  seed: number;
  concurrency: number;
  /** Where synthesised WAVs are cached. */
  cacheDir: string;
  /** An analyzer instead of CALLGUARD_ANALYZER, for the node and the text replay alike. */
  analyzer?: AnalyzerName;
  /** The environment the node's configuration is read from (CALLGUARD_*). */
  env: Env;
  /** The node's logger; default warn and above to stderr (never transcript text at any level). */
  logger?: Logger;
  /** Ctrl-C: calls in progress end with a BYE, no new call starts, the node closes. */
  signal?: AbortSignal;
  /** One per finished call, in finishing order. */
  onProgress?: (progress: CallProgress) => void;
}

export interface CallProgress {
  done: number;
  total: number;
  row: CallRow;
  /** Wall time the call took, synthesis included, seconds. */
  seconds: number;
}

/** One SMS the node sent, as the evaluator's in-process SMS provider took it. */
export interface CapturedSms {
  to: string;
  callId: string;
  /** performance.now() when the node handed it to the provider. */
  at: number;
  text: string;
}

/** The alert behind an SMS, as the node raised it. */
export interface RaisedAlert {
  category: string;
  level: string;
  score: number;
  explanation: string;
}

/** The node the calls are played into. */
export interface EvalTarget {
  sip: { host: string; port: number };
  recognizer: string;
  analyzer: string;
  /** Provisions a protected number (one per conversation, so no dedup or rate limit hides an alert). */
  provision(number: string): Promise<void>;
  smsTo(number: string): CapturedSms[];
  alertFor(number: string): RaisedAlert | undefined;
  close(): Promise<void>;
}

/** One conversation's outcome: the per-call row of the report. */
export interface CallRow {
  id: string;
  label: Conversation['label'];
  category?: string;
  /** An SMS was sent during the call (before our BYE). */
  alerted: boolean;
  /** An SMS came only after the call ended (a false alarm all the same on a legit call; a miss on a scam). */
  lateAlert?: boolean;
  /** When the SMS was sent, seconds from the start of the call's audio. */
  alertAtS?: number;
  /** The alert's category and explanation (what the subscriber is told). */
  alertCategory?: string;
  explanation?: string;
  callerTurns: number;
  /** Start of the first caller turn, seconds from the start of the call's audio. */
  firstCallerStartS?: number;
  /** Caller turns that had ended when the SMS was sent. */
  callerTurnsHeard?: number;
  /** From the end of the last caller turn before the SMS (the decisive one) to the SMS, ms. */
  decisiveDelayMs?: number;
  durationS?: number;
  /** The same conversation replayed as text through the same analyzer. */
  textAlerted: boolean;
  /** 1-based caller turn at which the text replay alerted. */
  textAlertTurn?: number;
  /** The call could not be played (SIP error, rejected, cut short): not counted as a hit or a miss. */
  error?: { code: string; message: string };
}

export class SpokenEvalError extends Error {
  override readonly name = 'SpokenEvalError';
  constructor(
    readonly code: string,
    message: string,
    /** 2: usage, configuration or a missing tool; 1: a failure while running. */
    readonly exitCode: 1 | 2 = 2,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}
