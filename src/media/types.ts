/**
 * The media port: RTP sockets for a call's streams, decoded to 16-bit PCM. The engine allocates one
 * endpoint per usable offered m-line, configures it from the offer/answer, reads its stats and
 * subscribes to its PCM frames and DTMF events. Nothing here keeps audio beyond the reorder buffer.
 */

/** 20 ms of decoded audio. */
export interface PcmFrame {
  /** Mono signed 16-bit samples: 160 at 8 kHz, 320 at 16 kHz. */
  samples: Int16Array;
  sampleRate: 8000 | 16000;
  /** Media time of the first sample, ms since the stream's first packet (monotonic, gap-free). */
  timestamp: number;
  /** True when the frame is silence standing in for lost, late or missing packets (or CN). */
  concealed: boolean;
}

/** An RFC 4733 telephone-event, reported once per event (at its end, or its first packet if no end arrives). */
export interface DtmfEvent {
  /** '0'-'9', '*', '#', 'A'-'D', or 'event-N' for other events. */
  digit: string;
  /** Media time (ms since the stream's first packet) of the event start. */
  at: number;
  durationMs: number;
}

export interface StreamStats {
  /** RTP packets accepted: right source, authenticated (SRTP), well-formed, a mapped payload type. */
  packets: number;
  /** UDP payload octets of those packets (SRTP tag included). */
  bytes: number;
  /** Packets never received (sequence gaps), including those that arrived too late to use. */
  lost: number;
  /** Packets that arrived after their slot was played out (also counted in lost). */
  late: number;
  /** Packets received twice (an SRTP packet whose index was already accepted counts here, not as an auth failure). */
  duplicates: number;
  /** Packets put back in order by the reorder buffer. */
  reordered: number;
  /** RFC 3550 interarrival jitter, ms. */
  jitterMs: number;
  /** Encoding in use, e.g. "PCMU/8000", once a packet arrived. */
  codec?: string;
  ssrc?: number;
  ssrcChanges: number;
  /** Seconds of PCM produced (including concealment). */
  audioSeconds: number;
  /** Wall-clock ms of the last accepted packet. */
  lastPacketAt?: number;
  /** Packets dropped because they came from an address other than the expected/latched one. */
  wrongSource: number;
  /**
   * SRTP/SRTCP packets dropped for a failed authentication tag, or every packet while the configured
   * key is unusable. Replays of an accepted index count as duplicates, older than the window as late.
   */
  srtpAuthFailures: number;
  /** Packets that were not RTP or carried an unknown payload type. */
  malformed: number;
  /** RTCP sender reports read. */
  senderReports: number;
}

export interface CodecBinding {
  payloadType: number;
  /** Encoding name as in rtpmap (PCMU, PCMA, G722, telephone-event, CN). */
  name: string;
  clockRate: number;
}

export interface SrtpKeying {
  /** AES_CM_128_HMAC_SHA1_80 or AES_CM_128_HMAC_SHA1_32. */
  suite: string;
  /** base64 master key (16 bytes) || master salt (14 bytes), as in the a=crypto inline: parameter. */
  keySalt: string;
}

export interface StreamConfig {
  /** Payload types the offer mapped, audio codec first choice; telephone-event and CN included. */
  codecs: CodecBinding[];
  /** Where media must come from. 'latch' accepts the first source and sticks to it. */
  source: { address: string; port: number } | 'latch';
  /** The SRC's SDES key (the offer's chosen a=crypto), to decrypt what it sends. */
  srtp?: SrtpKeying;
  rtcpMux: boolean;
  /** On hold no audio is expected: no concealment frames are produced while held. */
  held: boolean;
}

/** One bound RTP (and RTCP) socket pair owned by a call stream. */
export interface RtpEndpoint {
  readonly port: number;
  /** (Re)configures the stream; called after each offer/answer. */
  configure(config: StreamConfig): void;
  stats(): StreamStats;
  /** 20 ms PCM frames, in order, paced by arrival. Returns an unsubscribe function. */
  onFrame(listener: (frame: PcmFrame) => void): () => void;
  onDtmf(listener: (event: DtmfEvent) => void): () => void;
  close(): Promise<void>;
}

export interface RtpPortPool {
  /** Binds a UDP socket on a free even port of the range (and port+1 for RTCP); rejects when exhausted. */
  allocate(): Promise<RtpEndpoint>;
  /** Endpoints bound right now. */
  readonly inUse: number;
  /** Ports that could still be handed out. */
  readonly free: number;
  /** Closes every socket. Idempotent. */
  close(): Promise<void>;
}

export class PortsExhaustedError extends Error {
  override readonly name = 'PortsExhaustedError';
  readonly code = 'MEDIA_PORTS_EXHAUSTED';
  readonly sipStatus = 503;
  constructor() {
    super('no free RTP port in the configured range');
  }
}
