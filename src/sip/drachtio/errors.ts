/**
 * Errors of the drachtio adapter, each with a stable `code`. Messages name drachtio-server's
 * address, never the shared secret.
 */
import { SipServerError } from '../errors.js';

export type DrachtioServerErrorCode =
  | 'DRACHTIO_ALREADY_LISTENING'
  | 'DRACHTIO_CLOSED'
  | 'DRACHTIO_CONNECT_TIMEOUT'
  | 'DRACHTIO_AUTH_FAILED';

export class DrachtioServerError extends SipServerError<DrachtioServerErrorCode> {
  override readonly name = 'DrachtioServerError';
}
