/**
 * Lays a conversation's spoken turns out as the two tracks an SBC forks: the caller's and the
 * subscriber's, at the codec rate, in dialogue order. A turn starts when the previous one has ended
 * plus a gap; the party not talking is silent meanwhile. Pure: the schedule it returns is what the
 * timing figures are measured against.
 */
import type { CallLayout, LayoutOptions, Role, TurnSlot } from './types.js';

export const DEFAULT_LEAD_IN_S = 1;
export const DEFAULT_GAP_S = 0.7;
export const DEFAULT_TAIL_S = 2;

export interface SpokenTurn {
  role: Role;
  /** Mono PCM at `LayoutOptions.sampleRate`. */
  samples: Int16Array;
}

export function layoutCall(turns: readonly SpokenTurn[], opts: LayoutOptions): CallLayout {
  const rate = opts.sampleRate;
  const toSamples = (ms: number): number => Math.round((ms * rate) / 1000);
  const toMs = (samples: number): number => (samples * 1000) / rate;
  const lead = toSamples(opts.leadInMs);
  const gap = toSamples(opts.gapMs);

  const placed: Array<{ turn: SpokenTurn; at: number }> = [];
  let cursor = lead;
  for (const turn of turns) {
    if (turn.samples.length === 0) continue;
    if (placed.length > 0) cursor += gap;
    placed.push({ turn, at: cursor });
    cursor += turn.samples.length;
  }
  const length = cursor + toSamples(opts.tailMs);

  const tracks: Record<Role, Int16Array> = { caller: new Int16Array(length), subscriber: new Int16Array(length) };
  const schedule: TurnSlot[] = [];
  let callerIndex = 0;
  for (const [index, { turn, at }] of placed.entries()) {
    tracks[turn.role].set(turn.samples, at);
    schedule.push({
      index,
      role: turn.role,
      ...(turn.role === 'caller' ? { callerIndex: callerIndex++ } : {}),
      startMs: toMs(at),
      endMs: toMs(at + turn.samples.length),
    });
  }
  return { sampleRate: rate, tracks, schedule, durationMs: toMs(length) };
}
