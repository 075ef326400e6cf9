/**
 * The base of the SIP adapters' server errors (NativeServerError, DrachtioServerError): a stable
 * `code` per failure and an optional cause. Messages never carry a secret or a phone number.
 */
export class SipServerError<C extends string> extends Error {
  constructor(
    readonly code: C,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
