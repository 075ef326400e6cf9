import { SiprecError, type Result, type SiprecErrorCode } from './types.js';

/** Small constructors so parsers read as `return fail(...)` instead of object literals. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(code: SiprecErrorCode, message: string, sipStatus = 400): { ok: false; error: SiprecError } {
  return { ok: false, error: new SiprecError(code, message, sipStatus) };
}

/** Message prefix of `guarded` failures: seeing it means a parser bug, not bad input. */
export const INTERNAL_ERROR_PREFIX = 'internal parser error';

/**
 * Runs a parser so that nothing but a typed Result can leave it. The parsers are written not to
 * throw; this keeps a bug in them (or in a library they call) from crashing a request handler.
 */
export function guarded<T>(code: SiprecErrorCode, parse: () => Result<T, SiprecError>): Result<T, SiprecError> {
  try {
    return parse();
  } catch (e) {
    return fail(code, `${INTERNAL_ERROR_PREFIX}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** Narrowing helper for callers that only need the error branch. */
export function isErr<T>(r: Result<T, SiprecError>): r is { ok: false; error: SiprecError } {
  return !r.ok;
}
