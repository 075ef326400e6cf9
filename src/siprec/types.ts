/**
 * The SIPREC model: what a recording INVITE/UPDATE body means, independent of SIP and of any SBC's
 * dialect. Parsers return these or a typed SiprecError; they never throw anything else.
 */

export type Result<T, E> = { ok: true; value: T } | { ok: false; error: E };

export type Direction = 'sendonly' | 'recvonly' | 'sendrecv' | 'inactive';

export interface OfferedCodec {
  payloadType: number;
  /** Encoding name as offered (PCMU, PCMA, G722, telephone-event, opus, …), or the static default. */
  name: string;
  clockRate: number;
  channels?: number;
  fmtp?: string;
}

export interface OfferedCrypto {
  tag: number;
  suite: string;
  keyParams: string;
  sessionParams?: string;
}

/** One offered m-line, in offer order. */
export interface OfferedMedia {
  index: number;
  type: string; // audio, video, …
  port: number;
  proto: string; // RTP/AVP, RTP/SAVP, …
  /** a=label token, if any (labels are tokens: "0", "16777227", "a_leg"). */
  label?: string;
  /** Connection address for this m-line (media-level c=, else session-level, else o=). */
  address: string;
  direction: Direction;
  /** No media expected: a=inactive or c=0.0.0.0 (sendonly is the SRC's normal direction, not hold). */
  held: boolean;
  codecs: OfferedCodec[];
  /**
   * The m-line's format list verbatim, in order (payload types for RTP). A rejected m-line in the
   * answer repeats it (RFC 3264 §6). Optional so hand-built offers in tests need not set it.
   */
  formats?: string[];
  crypto: OfferedCrypto[];
  rtcpMux: boolean;
  ptime?: number;
}

export interface OfferedSdp {
  /** o= session id and version: a changed version means a real re-offer, not a refresh. */
  originSessionId: string;
  originVersion: string;
  originAddress: string;
  media: OfferedMedia[];
}

export interface MetadataParticipant {
  /** participant_id / id attribute. */
  id: string;
  /** nameID aor / <aor>, verbatim. */
  aor?: string;
  name?: string;
  /** The aor's number normalised to E.164, when it has one. */
  e164?: string;
  /** Otherwise the aor as a provisioning key (`86074075017412`, `8101`, `alice@pbx.example`; numbers.ts normaliseIdentity). */
  identity?: string;
  /** Stream ids this participant sends / receives. */
  send: string[];
  recv: string[];
  /** Vendor hint (Acme apkt:callingParty) that this participant placed the call. */
  callingParty?: boolean;
}

export interface MetadataStream {
  /** stream_id / id attribute (may be empty in the wild). */
  id: string;
  label?: string;
  sessionId?: string;
  /** Draft/Acme/BroadWorks `<mode>`: one mixed stream for all parties, or one per party. */
  mode?: 'mixed' | 'separate';
}

export interface RecordingMetadata {
  dataMode: 'complete' | 'partial';
  /** The namespace URI the document used (for diagnostics). */
  namespace: string;
  recordingId?: string;
  groupId?: string;
  sessionId?: string;
  participants: MetadataParticipant[];
  streams: MetadataStream[];
  /**
   * Set when the document was invalid XML that was repaired before parsing (an unescaped `&`,
   * Cisco CUBE): the metadata is usable, and the call record should say the SRC sent bad XML.
   */
  repairs?: string[];
}

export type SiprecErrorCode =
  | 'SIPREC_NO_BODY'
  | 'SIPREC_UNSUPPORTED_CONTENT_TYPE'
  | 'SIPREC_NO_BOUNDARY'
  | 'SIPREC_MULTIPART_MALFORMED'
  | 'SIPREC_NO_SDP'
  | 'SIPREC_SDP_MALFORMED'
  | 'SIPREC_METADATA_MALFORMED'
  | 'SIPREC_METADATA_DTD_FORBIDDEN'
  | 'SIPREC_METADATA_TOO_LARGE';

export class SiprecError extends Error {
  override readonly name = 'SiprecError';
  constructor(
    readonly code: SiprecErrorCode,
    message: string,
    /** The SIP status this error maps to when it makes an offer unusable. */
    readonly sipStatus: number = 400,
  ) {
    super(message);
  }
}

/** A parsed recording body: an initial INVITE's, a re-INVITE's or an UPDATE's. */
export interface SiprecBody {
  /** Present when the body had an SDP part (or was plain SDP). */
  sdp?: OfferedSdp;
  /** Present when the body had a usable metadata part. */
  metadata?: RecordingMetadata;
  /** Set when a metadata part was present but unusable: record with degraded metadata. */
  metadataError?: SiprecError;
  /** Content types of parts that were ignored (application/gtd, …). */
  ignoredParts: string[];
}

export type Role = 'subscriber' | 'caller';

/** A party of the recorded call, with its role decided from metadata (or headers), never m-line order. */
export interface CallParticipant {
  id: string;
  role: Role;
  /** E.164 when known. Full numbers stay in memory; logs and APIs mask them. */
  number?: string;
  /**
   * When there is no E.164 number: the identity the SRC names the party by (a BroadWorks user, an
   * extension, user@host), as normaliseIdentity canonicalises it. Masked like a number.
   */
  identity?: string;
  name?: string;
  /** SDP labels of the streams this participant sends. */
  sendLabels: string[];
  /**
   * m-line indexes this participant sends, when the SRC names streams by position instead of by
   * label (Cisco network-based recording: `X-Cisco-Recording-Participant: …;media-index="0"`).
   */
  sendMediaIndexes?: number[];
}
