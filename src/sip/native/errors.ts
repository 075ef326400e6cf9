/**
 * Errors of the native SIP stack. Each carries a stable `code`; parse errors also carry the SIP
 * status and reason phrase to answer with. Messages never contain header values (which may hold
 * phone numbers) or bodies.
 */
import { SipServerError } from '../errors.js';

export type SipParseErrorCode =
  | 'SIP_EMPTY'
  | 'SIP_TOO_LARGE'
  | 'SIP_TOO_MANY_HEADERS'
  | 'SIP_BODY_TOO_LARGE'
  | 'SIP_NO_HEADER_END'
  | 'SIP_BAD_START_LINE'
  | 'SIP_BAD_VERSION'
  | 'SIP_BAD_METHOD'
  | 'SIP_BAD_REQUEST_URI'
  | 'SIP_UNSUPPORTED_URI_SCHEME'
  | 'SIP_BAD_STATUS'
  | 'SIP_BAD_HEADER_LINE'
  /** Header bytes that are not UTF-8 (RFC 3261 §7.3.1 says UTF-8); answered with the same bytes. */
  | 'SIP_BAD_ENCODING'
  | 'SIP_MISSING_HEADER'
  | 'SIP_DUPLICATE_HEADER'
  | 'SIP_BAD_VIA'
  | 'SIP_BAD_FROM'
  | 'SIP_BAD_TO'
  | 'SIP_BAD_CALL_ID'
  | 'SIP_BAD_CSEQ'
  | 'SIP_CSEQ_METHOD_MISMATCH'
  | 'SIP_BAD_MAX_FORWARDS'
  | 'SIP_BAD_CONTENT_LENGTH'
  | 'SIP_CONTENT_LENGTH_MISMATCH'
  | 'SIP_MISSING_CONTENT_LENGTH'
  | 'SIP_BAD_SESSION_EXPIRES'
  | 'SIP_BAD_MIN_SE';

/** A message that could not be parsed or is not a valid SIP message. Returned, never thrown. */
export class SipParseError extends Error {
  override readonly name = 'SipParseError';
  constructor(
    readonly code: SipParseErrorCode,
    /** Reason phrase for the response; names the problem (RFC 3261 §21.4.1 lets 400 say why). */
    readonly reasonPhrase: string,
    /** Status to answer with when the request is respondable. */
    readonly sipStatus: number = 400,
  ) {
    super(`${code}: ${reasonPhrase}`);
  }
}

export type SipTransactionErrorCode = 'SIP_TRANSACTION_TIMEOUT' | 'SIP_TRANSPORT_ERROR' | 'SIP_TRANSACTION_ABORTED';

/** A client transaction failed without a response (RFC 3261 §17.1.2.2 Timer F, §17.1.4). */
export class SipTransactionError extends Error {
  override readonly name = 'SipTransactionError';
  constructor(
    readonly code: SipTransactionErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type NativeServerErrorCode = 'SIP_NOT_LISTENING' | 'SIP_ALREADY_LISTENING' | 'SIP_CLOSED' | 'SIP_BIND_FAILED' | 'SIP_TLS_INVALID';

export class NativeServerError extends SipServerError<NativeServerErrorCode> {
  override readonly name = 'NativeServerError';
}
