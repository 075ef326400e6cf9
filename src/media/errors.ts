/** Media errors: one class per failure, each with a stable code. Messages carry no audio or keys. */

export type RtpMalformedReason =
  | 'too-short'
  | 'bad-version'
  | 'bad-csrc'
  | 'bad-extension'
  | 'bad-padding'
  | 'empty-payload';

export class RtpMalformedError extends Error {
  override readonly name = 'RtpMalformedError';
  readonly code = 'MEDIA_RTP_MALFORMED';
  constructor(readonly reason: RtpMalformedReason) {
    super(`malformed RTP packet: ${reason}`);
  }
}

export type RtcpMalformedReason = 'too-short' | 'bad-version' | 'bad-length' | 'bad-padding';

export class RtcpMalformedError extends Error {
  override readonly name = 'RtcpMalformedError';
  readonly code = 'MEDIA_RTCP_MALFORMED';
  constructor(readonly reason: RtcpMalformedReason) {
    super(`malformed RTCP packet: ${reason}`);
  }
}

export type CryptoAttributeReason =
  | 'syntax'
  | 'unsupported-suite'
  | 'bad-key-method'
  | 'bad-key-length'
  | 'mki-unsupported'
  | 'multiple-keys'
  | 'bad-lifetime'
  | 'unsupported-session-param';

/** An `a=crypto` line (RFC 4568 §9.1) we cannot use. The message never contains the key. */
export class CryptoAttributeError extends Error {
  override readonly name = 'CryptoAttributeError';
  readonly code = 'MEDIA_SRTP_CRYPTO_ATTRIBUTE';
  constructor(readonly reason: CryptoAttributeReason) {
    super(`unusable a=crypto attribute: ${reason}`);
  }
}
