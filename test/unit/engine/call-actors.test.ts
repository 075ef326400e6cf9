/**
 * The call machine is provided once per engine (a provide per call rebuilt its state nodes every
 * call); each effect still finds its own call: actions by the context's call id, the analyzer by the
 * call actor at the root of its system.
 */
import { describe, expect, it } from 'vitest';
import { waitFor } from 'xstate';
import type { CallInput } from '../../../machines/call.js';
import type { Analysis, AnalysisInput } from '../../../src/analysis/types.js';
import { BoundedList } from '../../../src/engine/bounded-list.js';
import { CallActors, type CallOutcomes } from '../../../src/engine/call-actors.js';
import type { EngineContext } from '../../../src/engine/engine-context.js';
import { CallRegistry, type LiveCall } from '../../../src/engine/live-call.js';
import type { EngineAlert, EngineCallEvent, EngineDeps } from '../../../src/engine/types.js';
import { silentLogger } from '../../../src/log.js';

const input = (id: string): CallInput => ({
  id,
  sessionId: `s-${id}`,
  sipCallId: `${id}@test`,
  subscriber: '+12125550123',
  participants: [{ id: 'p1', role: 'caller', number: '+13035550111', sendLabels: ['1'] } as CallInput['participants'][number]],
  rolesFrom: 'metadata',
  metadata: { at: 0, dataMode: 'complete', participants: 2, streams: 2, degraded: false },
  source: 'udp:127.0.0.1:5060',
  startedAt: 0,
  mediaTimeoutMs: 0,
  transcriptLimits: { windowMs: 60_000, maxUtterances: 50 },
});

function setup() {
  const seen: string[] = [];
  const ended: string[] = [];
  let released = 0;
  // A per-call analyzer (as the LLM ones are): it is told which call each window belongs to.
  const analyzer = {
    name: 'local' as const,
    analyze: (): Promise<Analysis> => Promise.reject(new Error('analyzeFor is the per-call path')),
    analyzeFor: async (id: string, _input: AnalysisInput): Promise<Analysis> => {
      seen.push(id);
      return { score: 0.95, level: 'high', category: 'government', tactics: ['payment'], explanation: 'gift cards', analyzer: 'local' };
    },
    endCall: (id: string) => void ended.push(id),
  };
  const events: EngineCallEvent[] = [];
  const calls = new CallRegistry();
  const ctx = {
    deps: { analyzer, sip: { hangup: async () => {} } } as unknown as EngineDeps,
    log: silentLogger(),
    now: () => 1000,
    calls,
    counters: { offers: 0, rejected: 0, ended: 0, metadataRefused: 0 },
    recognizers: undefined,
    mediaStats: undefined,
    isClosing: () => false,
    emit: (e: EngineCallEvent) => events.push(e),
  } as unknown as EngineContext;
  const outcomes: CallOutcomes = {
    alerts: new BoundedList<EngineAlert>(10),
    analysisTimes: new BoundedList<number>(10),
    endReasons: {},
    riskReached: {},
    ended: () => {},
  };
  const actors = new CallActors(ctx, outcomes);
  const start = (id: string) => {
    const actor = actors.create(input(id));
    const call = {
      id,
      sessionId: `s-${id}`,
      actor,
      resources: { release: async () => void released++ },
      ended: false,
      recordingKeys: [`rec-${id}`],
      caller: '+13035550111',
      peakRisk: 'none',
    } as unknown as LiveCall;
    calls.add(call);
    actor.start();
    actor.send({ type: 'sip.answered', streams: [{ index: 0, direction: 'sendonly', held: false, codec: 'PCMU/8000', port: 20000, role: 'caller' }], at: 1 });
    return actor;
  };
  return { actors, start, seen, ended, events, outcomes, calls, released: () => released };
}

describe('call actors', () => {
  it('every call actor runs the one machine the engine provided', () => {
    const { start } = setup();
    expect(start('a').logic).toBe(start('b').logic);
  });

  it("each effect acts on its own call: the analysis, the alert, the release and the end", async () => {
    const { start, seen, ended, events, outcomes, calls, released } = setup();
    const a = start('a');
    const b = start('b');
    const say = (actor: typeof a) =>
      actor.send({ type: 'speech.utterance', at: 2, utterance: { kind: 'final', text: 'pay with gift cards', role: 'caller', streamIndex: 0, startMs: 0, endMs: 1 } });
    say(b);
    await waitFor(b, (s) => s.matches({ live: { analysis: 'alerted' } }));
    say(a);
    await waitFor(a, (s) => s.matches({ live: { analysis: 'alerted' } }));
    expect(seen).toEqual(['b', 'a']);
    expect(outcomes.alerts.toArray().map((x) => [x.callId, x.recording, x.caller, x.raisedAt])).toEqual([
      ['b', 'rec-b', '+13035550111', 1000],
      ['a', 'rec-a', '+13035550111', 1000],
    ]);
    expect(outcomes.analysisTimes.length).toBe(2);

    b.send({ type: 'sip.ended', reason: 'bye', at: 3 });
    expect(ended).toEqual(['b']);
    expect(released()).toBe(1);
    expect(calls.get('b')).toBeUndefined();
    expect(calls.get('a')).toBeDefined();
    expect(events).toEqual([{ type: 'ended', callId: 'b', reason: 'bye', recording: 'rec-b' }]);
    expect(outcomes.riskReached).toEqual({ high: 1 });
  });
});
