/** Coded HTTP errors of the ops API; the body is always { error: { code, message } }. */
export class OpsError extends Error {
  override readonly name = 'OpsError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = (what: string): OpsError => new OpsError(404, 'NOT_FOUND', `${what} not found`);
/** A subscriber identity or its SMS number that cannot be provisioned; the message says which, never the value. */
export const badIdentity = (message: string): OpsError => new OpsError(400, 'INVALID_NUMBER', message);
export const badNumber = (): OpsError =>
  new OpsError(400, 'INVALID_NUMBER', 'not a phone number (E.164 such as +12125550123, or national for the default country)');
