/** The engine's own interfaces: what it needs (EngineDeps) and what it gives (alerts, call events, summaries). */
import type { CallStream, SpeechSummary } from '../../machines/call.js';
import type { CallAlert } from '../alerts/types.js';
import type { Analyzer } from '../analysis/types.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import type { RtpPortPool } from '../media/types.js';
import type { RecordingSessionServer } from '../sip/types.js';
import type { RecognizerFactory } from '../speech/types.js';
import type { RecordingStateStore, SubscriberStore } from '../state/types.js';

export interface EngineDeps {
  config: Pick<Config, 'defaultCountry' | 'subscriberHeader' | 'nodeId'> & {
    sip: Pick<Config['sip'], 'maxCalls'>;
    rtp: Pick<Config['rtp'], 'advertise'>;
    media?: Partial<Config['media']>;
    speech?: Pick<Config['speech'], 'max' | 'language' | 'transcript'>;
  };
  /** Speech recognition; absent: calls are recorded without transcription. */
  speech?: RecognizerFactory;
  /** Scam analysis of the transcript window; absent: the actor's inert default (never alerts). */
  analyzer?: Analyzer;
  sip: RecordingSessionServer;
  subscribers: SubscriberStore;
  /** Where a recording's risk survives its SRC failing over to another node; absent: nothing is restored. */
  recordings?: RecordingStateStore;
  ports: RtpPortPool;
  logger: Logger;
  now?: () => number;
}

/** An alert the engine raised: who to warn, and why (declared by the alerts port that consumes it). */
export type EngineAlert = CallAlert;

export type EngineCallEvent = { type: 'started' | 'updated'; callId: string } | { type: 'ended'; callId: string; reason: string; recording: string };

/** Offers seen, refused, calls ended, and offers refused for hostile metadata. */
export interface EngineCounters {
  offers: number;
  rejected: number;
  ended: number;
  metadataRefused: number;
}

/** A live call as the ops API lists it: no content, numbers masked. */
export interface CallSummary {
  id: string;
  sipCallId: string;
  node: string;
  state: unknown;
  subscriber: string;
  participants: Array<{ id: string; role: string; number: string }>;
  streams: CallStream[];
  startedAt: string;
  answeredAt?: string;
  lastRefreshAt?: string;
  refreshes: number;
  /** Transcription status and counts (never text). */
  speech: SpeechSummary;
  risk: { level: string; score: number; category: string; alerted: boolean };
}
