/**
 * The simulator's failures, each with a stable code and the process exit status it maps to:
 * 2 for what the user must fix before running again (flags, files, a missing tool), 1 for what
 * went wrong on the wire.
 */

export type SimulateErrorCode =
  | 'SIMULATE_USAGE'
  | 'SIMULATE_CONFIG'
  | 'SIMULATE_AUDIO_FILE'
  | 'SIMULATE_FLITE_MISSING'
  | 'SIMULATE_FLITE_FAILED'
  | 'SIMULATE_TARGET_UNRESOLVED'
  | 'SIMULATE_TRANSPORT'
  | 'SIMULATE_SIP_TIMEOUT'
  /** callguard answered the INVITE with a failure (403 unprovisioned, 503 overload, …). */
  | 'SIMULATE_REJECTED'
  /** callguard ended the call with its own BYE before we did (session expiry, policy). */
  | 'SIMULATE_PEER_HANGUP'
  /** Our BYE got a failure or no answer. */
  | 'SIMULATE_BYE_FAILED';

export class SimulateError extends Error {
  override readonly name: string = 'SimulateError';
  constructor(
    readonly code: SimulateErrorCode,
    message: string,
    /** Process exit status for `callguard simulate`. */
    readonly exitCode: 1 | 2 = 1,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A bad flag or flag combination: the usage text follows the message. */
export class SimulateUsageError extends SimulateError {
  override readonly name = 'SimulateUsageError';
  constructor(message: string) {
    super('SIMULATE_USAGE', message, 2);
  }
}
