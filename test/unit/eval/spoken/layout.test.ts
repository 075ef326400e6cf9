/**
 * The two tracks of a spoken conversation: turns in dialogue order, each after the previous one ends
 * plus the gap, the other party silent meanwhile; and the timing figures read off that schedule.
 */
import { describe, expect, it } from 'vitest';
import { layoutCall } from '../../../../src/eval/spoken/layout.js';
import { callTiming } from '../../../../src/eval/spoken/timing.js';

const rate = 8000;
/** `ms` of a constant non-zero value, to see where a turn landed. */
const speech = (ms: number, value: number): Int16Array => new Int16Array((ms * rate) / 1000).fill(value);
const at = (ms: number): number => (ms * rate) / 1000;

describe('layoutCall', () => {
  const layout = layoutCall(
    [
      { role: 'caller', samples: speech(2000, 100) },
      { role: 'subscriber', samples: speech(500, 200) },
      { role: 'caller', samples: speech(1000, 300) },
    ],
    { sampleRate: rate, leadInMs: 1000, gapMs: 700, tailMs: 2000 },
  );

  it('schedules turns in order, each a gap after the previous one, after the lead-in', () => {
    expect(layout.schedule).toEqual([
      { index: 0, role: 'caller', callerIndex: 0, startMs: 1000, endMs: 3000 },
      { index: 1, role: 'subscriber', startMs: 3700, endMs: 4200 },
      { index: 2, role: 'caller', callerIndex: 1, startMs: 4900, endMs: 5900 },
    ]);
    // lead-in 1 + 2 + 0.7 + 0.5 + 0.7 + 1 + tail 2
    expect(layout.durationMs).toBe(7900);
  });

  it('makes two tracks of the whole call, each party silent while the other talks', () => {
    const { caller, subscriber } = layout.tracks;
    expect(caller.length).toBe(at(7900));
    expect(subscriber.length).toBe(caller.length);
    expect(caller[at(999)]).toBe(0);
    expect(caller[at(1000)]).toBe(100);
    expect(caller[at(3000) - 1]).toBe(100);
    expect(caller[at(3000)]).toBe(0);
    expect(subscriber[at(3700)]).toBe(200);
    expect(caller[at(3700)]).toBe(0);
    expect(caller[at(4900)]).toBe(300);
    expect(subscriber[at(4900)]).toBe(0);
    expect(caller.subarray(at(5900)).every((s) => s === 0)).toBe(true);
    // Every sample of speech is on exactly one track.
    const loud = (t: Int16Array): number => t.filter((s) => s !== 0).length;
    expect(loud(caller)).toBe(at(3000));
    expect(loud(subscriber)).toBe(at(500));
  });

  it('leaves out turns without audio and handles a conversation with no turns', () => {
    const l = layoutCall(
      [
        { role: 'subscriber', samples: new Int16Array(0) },
        { role: 'caller', samples: speech(100, 1) },
      ],
      { sampleRate: 16000, leadInMs: 500, gapMs: 300, tailMs: 0 },
    );
    expect(l.schedule).toEqual([{ index: 0, role: 'caller', callerIndex: 0, startMs: 500, endMs: 550 }]);
    const empty = layoutCall([], { sampleRate: rate, leadInMs: 1000, gapMs: 700, tailMs: 2000 });
    expect(empty.schedule).toEqual([]);
    expect(empty.durationMs).toBe(3000);
  });
});

describe('callTiming', () => {
  const schedule = [
    { index: 0, role: 'caller' as const, callerIndex: 0, startMs: 1000, endMs: 3000 },
    { index: 1, role: 'subscriber' as const, startMs: 3700, endMs: 4200 },
    { index: 2, role: 'caller' as const, callerIndex: 1, startMs: 4900, endMs: 5900 },
    { index: 3, role: 'caller' as const, callerIndex: 2, startMs: 6600, endMs: 9000 },
  ];

  it('finds the decisive caller turn (the last one ended before the SMS) and the share heard', () => {
    expect(callTiming(schedule, 6400)).toEqual({ callerTurns: 3, firstCallerStartMs: 1000, callerTurnsHeard: 2, decisiveDelayMs: 500 });
    expect(callTiming(schedule, 9000)).toMatchObject({ callerTurnsHeard: 3, decisiveDelayMs: 0 });
  });

  it('an SMS before any caller turn ended has no decisive turn; no SMS, only the turn counts', () => {
    expect(callTiming(schedule, 2000)).toEqual({ callerTurns: 3, firstCallerStartMs: 1000, callerTurnsHeard: 0 });
    expect(callTiming(schedule)).toEqual({ callerTurns: 3, firstCallerStartMs: 1000 });
    expect(callTiming([])).toEqual({ callerTurns: 0 });
  });
});
