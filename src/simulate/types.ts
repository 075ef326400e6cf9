/**
 * `callguard simulate`: a built-in SIPREC client (SRC) that plays the SBC's part against a
 * callguard node, one recorded call per run. These are its inputs, its progress events and its
 * result; simulate.ts runs it, index.ts is the command.
 */

export type CodecChoice = 'pcmu' | 'pcma' | 'g722';

export type Party = 'caller' | 'subscriber';

/** Where a party's audio comes from. */
export type AudioInput =
  /** A WAV file (any rate, mono or the first channel), resampled to the codec rate. */
  | { kind: 'file'; path: string }
  /** Text spoken by flite's kal16 voice (one the offline recognizer hears well), resampled. */
  | { kind: 'say'; text: string }
  /** PCM already in memory (tests, embedding). */
  | { kind: 'pcm'; samples: Int16Array; sampleRate: number };

/** Seconds of silence after the longest audio before the BYE, when no duration is given. */
export const DEFAULT_TAIL_SECONDS = 0.5;
/** Call length when neither party has audio and no duration is given: long enough to see RTP flow. */
export const DEFAULT_SILENT_SECONDS = 3;
/** Session-Expires we offer (Sonus's value in siprec-interop.md; callguard's default too). */
export const DEFAULT_SESSION_EXPIRES = 1800;

export interface SimulationOptions {
  /** callguard's SIP address (a host name is resolved once). */
  target: { host: string; port: number };
  transport: 'udp' | 'tcp';
  /** E.164 numbers written into the rs-metadata participants. */
  caller: string;
  subscriber: string;
  codec: CodecChoice;
  callerAudio?: AudioInput;
  subscriberAudio?: AudioInput;
  /**
   * Times in seconds from the 200 OK. Hold stops both streams and sends a re-INVITE with
   * a=inactive; resume sends a=sendonly. Audio pauses while held and carries on where it stopped,
   * as the parties do not talk into a held call.
   */
  holdAt?: number;
  resumeAt?: number;
  /**
   * Seconds from the 200 OK to our BYE. Default: the longest audio plus the time held plus
   * DEFAULT_TAIL_SECONDS; DEFAULT_SILENT_SECONDS of silence when there is no audio at all.
   */
  duration?: number;
  /** Session-Expires offered with refresher=uac (RFC 4028); default DEFAULT_SESSION_EXPIRES. */
  sessionExpires?: number;
  /**
   * Seconds between our session refreshes (body-less UPDATEs). Default: half the interval the
   * 200 OK negotiated (RFC 4028 §10). 0: never refresh, to watch callguard expire the session.
   */
  refresh?: number;
  /** RFC 3261 T1 in ms for our retransmissions over UDP (default 500). */
  t1Ms?: number;
  /**
   * The rs-metadata group id (base64 of 16 bytes, as SRCs send). Reusing one replays the same recorded
   * call: a duplicate fork, or an SRC failing over to another recorder. Default: a fresh id.
   */
  groupId?: string;
  /**
   * Fraction (0..1) of RTP packets lost on the way, per stream, as on a lossy network: chosen by a
   * PRNG seeded with `lossSeed`, so a run can be repeated packet for packet. Default 0.
   */
  lossRate?: number;
  /** Seed for `lossRate` (each stream derives its own from it). Default: a fresh random seed. */
  lossSeed?: number;
  /** Aborting ends the call early with a BYE (Ctrl-C). */
  signal?: AbortSignal;
  /** Progress, for the command's stderr lines and for tests. */
  onEvent?: (event: SimulationEvent) => void;
}

export interface ResponseRecord {
  method: string;
  code: number;
}

export type SimulationEvent =
  | { type: 'request'; method: string; atMs: number }
  | { type: 'response'; method: string; code: number; reason: string; atMs: number }
  | { type: 'answered'; callId: string; atMs: number; streams: Array<{ party: Party; label: string; destination: string | null }> }
  | { type: 'held'; atMs: number }
  | { type: 'resumed'; atMs: number }
  | { type: 'refreshed'; atMs: number; interval: number | null }
  | { type: 'audio-ended'; party: Party; atMs: number }
  | { type: 'bye-received'; atMs: number }
  | { type: 'warning'; message: string; atMs: number };

export interface SimulationResult {
  /** The SIP Call-ID of the recording dialog. */
  callId: string;
  answered: boolean;
  /** Every response received, in order (retransmissions of a response counted once). */
  responses: ResponseRecord[];
  packetsSent: Record<Party, number>;
  /** Packets `lossRate` lost (present only when a loss rate was asked for). */
  packetsDropped?: Record<Party, number>;
  /** Who ended the call: our BYE, or callguard's (BYE, or a rejection of the INVITE). */
  endedBy: 'us' | 'callguard';
  /** True when the call was answered and our BYE got a 2xx: the run went as planned. */
  clean: boolean;
  /** INVITE sent to the end of the dialog, ms. */
  durationMs: number;
  /** What went wrong, when something did (timeout, transport failure, rejection). */
  error?: { code: string; message: string };
}
