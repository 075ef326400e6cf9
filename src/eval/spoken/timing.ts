/**
 * When, in the conversation, the warning came: pure figures from a call's turn schedule and the
 * moment of its SMS (both ms from the start of the call's audio).
 */
import type { TurnSlot } from './types.js';

export interface CallTiming {
  callerTurns: number;
  /** Start of the first caller turn, ms (none when the caller never speaks). */
  firstCallerStartMs?: number;
  /** Caller turns that had ended by the SMS. */
  callerTurnsHeard?: number;
  /** From the end of the decisive caller turn (the last one that ended before the SMS) to the SMS. */
  decisiveDelayMs?: number;
}

export function callTiming(schedule: readonly TurnSlot[], smsAtMs?: number): CallTiming {
  const caller = schedule.filter((t) => t.role === 'caller');
  const out: CallTiming = { callerTurns: caller.length };
  if (caller[0]) out.firstCallerStartMs = caller[0].startMs;
  if (smsAtMs === undefined) return out;
  const heard = caller.filter((t) => t.endMs <= smsAtMs);
  out.callerTurnsHeard = heard.length;
  const decisive = heard.at(-1);
  if (decisive) out.decisiveDelayMs = smsAtMs - decisive.endMs;
  return out;
}
