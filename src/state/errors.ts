/** Errors of the state store. Messages never carry a number, a value or a Redis password. */

/** The shared state (Redis) could not be reached; the node cannot join the cluster. */
export class StateStoreUnavailableError extends Error {
  readonly code = 'STATE_STORE_UNAVAILABLE';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StateStoreUnavailableError';
  }
}
