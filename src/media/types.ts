/** The media port: RTP sockets for a call's streams. Decoding arrives with the media issue. */

/** One bound RTP socket owned by a call stream. */
export interface RtpEndpoint {
  readonly port: number;
  /** Packets received so far (media decoding comes later; the count proves the socket is live). */
  readonly packets: number;
  readonly lastPacketAt: number | undefined;
  close(): Promise<void>;
}

export interface RtpPortPool {
  /** Binds a UDP socket on a free even port of the range; rejects when the range is exhausted. */
  allocate(): Promise<RtpEndpoint>;
  /** Sockets bound right now. */
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
