/**
 * Replays labelled conversations turn by turn through the real call machine (no SIP, no audio):
 * each turn is a final utterance of its speaker; the analyzer runs as it would in a call, and the
 * escalation policy decides if and when the alert fires. What eval measures is what runs.
 */
import { createActor, fromPromise, waitFor } from 'xstate';
import { callMachine } from '../../machines/call.js';
import type { Analysis, AnalysisInput, Analyzer } from '../analysis/types.js';
import type { Conversation } from '../analysis/dataset.js';

export interface ReplayResult {
  id: string;
  label: Conversation['label'];
  category?: string;
  callerTurns: number;
  /** 1-based caller turn at which the alert fired. */
  alertTurn?: number;
}

export async function replay(conversation: Conversation, analyzer: Analyzer, times: number[]): Promise<ReplayResult> {
  const machine = callMachine.provide({
    actors: {
      analyze: fromPromise<Analysis, AnalysisInput>(async ({ input, signal }) => {
        const t0 = performance.now();
        try {
          return await analyzer.analyze(input, signal);
        } finally {
          times.push(performance.now() - t0);
        }
      }),
    },
  });
  const actor = createActor(machine, {
    input: {
      id: conversation.id,
      sessionId: conversation.id,
      sipCallId: conversation.id,
      subscriber: '+10000000000',
      participants: [],
      rolesFrom: 'metadata',
      metadata: { at: 0, dataMode: 'complete', participants: 2, streams: 2, degraded: false },
      source: 'eval',
      startedAt: 0,
      mediaTimeoutMs: 0,
      // The whole conversation stays in the window, as a call of this length would.
      transcriptLimits: { windowMs: Number.MAX_SAFE_INTEGER, maxUtterances: 1000 },
    },
  });
  actor.start();
  actor.send({ type: 'sip.answered', streams: [], at: 0 });
  let callerTurns = 0;
  let alertTurn: number | undefined;
  let at = 0;
  for (const turn of conversation.turns) {
    at += 1000;
    if (turn.speaker === 'caller') callerTurns++;
    actor.send({
      type: 'speech.utterance',
      at,
      utterance: { kind: 'final', text: turn.text, role: turn.speaker, streamIndex: turn.speaker === 'caller' ? 0 : 1, startMs: at, endMs: at },
    });
    await waitFor(actor, (s) => s.matches({ live: { analyzer: 'idle' } }));
    if (alertTurn === undefined && actor.getSnapshot().context.alert) alertTurn = callerTurns;
  }
  actor.stop();
  return {
    id: conversation.id,
    label: conversation.label,
    ...(conversation.category ? { category: conversation.category } : {}),
    callerTurns,
    ...(alertTurn !== undefined ? { alertTurn } : {}),
  };
}
