/**
 * Errors of the drachtio adapter, each with a stable `code`. Messages name drachtio-server's
 * address, never the shared secret.
 */

export type DrachtioServerErrorCode =
  | 'DRACHTIO_ALREADY_LISTENING'
  | 'DRACHTIO_CLOSED'
  | 'DRACHTIO_CONNECT_TIMEOUT'
  | 'DRACHTIO_AUTH_FAILED';

export class DrachtioServerError extends Error {
  override readonly name = 'DrachtioServerError';
  constructor(
    readonly code: DrachtioServerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
