import { SiprecError, type Result, type SiprecErrorCode } from './types.js';

/** Small constructors so parsers read as `return fail(...)` instead of object literals. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(code: SiprecErrorCode, message: string, sipStatus = 400): { ok: false; error: SiprecError } {
  return { ok: false, error: new SiprecError(code, message, sipStatus) };
}

/** Narrowing helper for callers that only need the error branch. */
export function isErr<T>(r: Result<T, SiprecError>): r is { ok: false; error: SiprecError } {
  return !r.ok;
}
