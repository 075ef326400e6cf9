/**
 * The call machine's data: its input, its context and the events it takes. JSON only — ids, roles,
 * numbers, codecs, ports, times — never audio; the transcript window lives in memory and is stripped
 * from what leaves the process (withoutContent in call.ts).
 */
import type { RiskAlert, RiskPolicy, RiskState } from '../src/analysis/policy.js';
import type { EndReason, SessionTimer } from '../src/sip/types.js';
import type { CallParticipant } from '../src/siprec/types.js';
import type { Utterance } from '../src/speech/types.js';

/** One answered m-line as the actor knows it. */
export interface CallStream {
  index: number;
  label?: string;
  /** Who sends on this stream (metadata association), if known. */
  participantId?: string;
  role?: CallParticipant['role'];
  /** Direction offered by the SRC. */
  direction: 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive';
  held: boolean;
  /** Chosen codec (e.g. "PCMU/8000"), or undefined when the stream was rejected. */
  codec?: string;
  /** Our local RTP port; 0 for a rejected stream. */
  port: number;
  /** Receive statistics, refreshed by `media.stats`. */
  media?: StreamMedia;
}

/** Per-stream receive statistics the actor keeps (numbers only, no audio). */
export interface StreamMedia {
  packets: number;
  lost: number;
  late: number;
  jitterMs: number;
  audioSeconds: number;
  lastPacketAt?: number;
  wrongSource: number;
  srtpAuthFailures: number;
}

/** A telephone-event digit seen on a stream (RFC 4733): a risk signal during a suspicious call. */
export interface DtmfDigit {
  digit: string;
  /** Wall-clock ms. */
  at: number;
  streamIndex: number;
  role?: CallParticipant['role'];
}

/** What changed in the metadata, without numbers or names. */
export interface MetadataRevision {
  at: number;
  dataMode: 'complete' | 'partial';
  participants: number;
  streams: number;
  degraded: boolean;
}

/** One utterance in the transcript window: in memory only, never persisted or logged. */
export interface TranscriptEntry extends Utterance {
  /** Wall-clock ms it arrived. */
  at: number;
}

/** How the call is being transcribed, and counts only (what a persisted snapshot may carry). */
export interface SpeechSummary {
  /** on: recognizers run; capped: CALLGUARD_SPEECH_MAX reached; off: no recognizer; failed: it stopped. */
  status: 'on' | 'capped' | 'off' | 'failed';
  finals: number;
  partials: number;
  keyphraseHits: number;
}

export interface TranscriptLimits {
  /** Keep utterances that arrived in the last this-many ms… */
  windowMs: number;
  /** …and at most this many. */
  maxUtterances: number;
}

export interface CallInput {
  id: string;
  sessionId: string;
  sipCallId: string;
  groupId?: string;
  recordingSessionId?: string;
  subscriber: string;
  participants: CallParticipant[];
  /** How roles were decided: metadata, the INVITE's headers, or the subscriber header. */
  rolesFrom: 'metadata' | 'headers' | 'subscriber-header';
  metadata: MetadataRevision;
  timer?: SessionTimer;
  source: string;
  startedAt: number;
  /** End the call when no stream has received media for this long while not held; 0 disables. */
  mediaTimeoutMs: number;
  transcriptLimits: TranscriptLimits;
  /** Escalation policy; DEFAULT_POLICY when absent. */
  policy?: RiskPolicy;
  /**
   * The recording's risk so far when its SRC failed over from another node: the level carries on and
   * a subscriber already warned is not warned again.
   */
  restored?: { risk: RiskState; alert?: RiskAlert & { at: number }; alertAnnounced: boolean };
}

export interface CallContext extends CallInput {
  streams: CallStream[];
  metadataHistory: MetadataRevision[];
  answeredAt?: number;
  lastRefreshAt?: number;
  refreshes: number;
  endedAt?: number;
  endReason?: EndReason;
  /** Media inactivity counts from here: the answer, or the last resume. */
  mediaSince?: number;
  dtmf: DtmfDigit[];
  /** Speaker-labelled, partials replaced by finals; cleared when the call ends. */
  transcript: TranscriptEntry[];
  speech: SpeechSummary;
  risk: RiskState;
  /** The one alert this call raised (no transcript text: the explanation is the analyzer's summary). */
  alert?: RiskAlert & { at: number };
  /** A final caller utterance arrived while an analysis ran: analyse the newer window next. */
  analysisPending: boolean;
  /** raiseAlert ran (exactly once per call, also across a restore from a snapshot). */
  alertAnnounced: boolean;
}

export type CallEvent =
  | { type: 'sip.answered'; streams: CallStream[]; at: number }
  | {
      type: 'sip.reoffer';
      at: number;
      /** Present when the re-offer carried SDP. */
      streams?: CallStream[];
      /** Present when it carried metadata. */
      metadata?: MetadataRevision;
      participants?: CallParticipant[];
      /** The session timer in force after this request (null: none); absent: unchanged. */
      timer?: SessionTimer | null;
    }
  | { type: 'sip.ended'; reason: EndReason; at: number }
  | { type: 'media.stats'; at: number; streams: Array<{ index: number; media: StreamMedia }> }
  | { type: 'media.dtmf'; at: number; digit: string; streamIndex: number }
  | { type: 'speech.utterance'; at: number; utterance: Utterance }
  | { type: 'speech.status'; status: SpeechSummary['status'] }
  | { type: 'analysis.tick'; at: number }
  | { type: 'call.hangup'; reason: EndReason };
