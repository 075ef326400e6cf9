/**
 * One recorded call. Pure: every effect (hang up, release media, persist, notify) is an action the
 * engine provides, once, through `callMachine.provide(…)` (src/engine/call-actors.ts); times arrive
 * on events, so tests drive it with plain events and a SimulatedClock and no sockets. Its input,
 * context and events are declared in call-types.ts.
 *
 * States: `live` runs the SIP dialog (offered → active ⇄ held → ending) in parallel with the session
 * expiry watch (RFC 4028); `ended` is final. The analysis region joins `live` later.
 *
 * Context is JSON data only — ids, roles, numbers, codecs, ports, times — never audio or transcript
 * text, so `getPersistedSnapshot()` is safe to store.
 */
import { assign, fromPromise, raise, setup } from 'xstate';
import { DEFAULT_POLICY, createRiskState, nextRisk, type RiskAlert } from '../src/analysis/policy.js';
import type { Analysis, AnalysisInput } from '../src/analysis/types.js';
import type { EndReason, SessionTimer } from '../src/sip/types.js';
import type { CallContext, CallEvent, CallInput, CallStream, DtmfDigit, StreamMedia } from './call-types.js';

export type * from './call-types.js';

const MAX_METADATA_HISTORY = 32;
const MAX_DTMF = 64;

/** RFC 4028 §10: the side that does not refresh sends BYE min(32 s, interval/3) before expiry. */
export function sessionExpiryMs(timer: SessionTimer): number {
  return Math.max(0, timer.interval - Math.min(32, timer.interval / 3)) * 1000;
}

const allHeld = (streams: CallStream[]): boolean =>
  streams.length > 0 && streams.filter((s) => s.port !== 0).every((s) => s.held);

export const callMachine = setup({
  types: {
    context: {} as CallContext,
    events: {} as CallEvent,
    input: {} as CallInput,
  },
  actors: {
    /** Judges the transcript window. Provided by the engine (and by eval); inert by default. */
    analyze: fromPromise<Analysis, AnalysisInput>(async () => ({
      score: 0,
      level: 'none',
      category: 'none',
      tactics: [],
      explanation: '',
      analyzer: 'local',
    })),
  },
  actions: {
    /** The call crossed the alert level: warn the subscriber (once). Provided by the engine. */
    raiseAlert: (_, _params: { alert: RiskAlert }) => {},
    /** Ask the SIP adapter to end the dialog (BYE). Provided by the engine. */
    hangup: (_, _params: { reason: EndReason }) => {},
    /** Close the call's RTP sockets and return its ports. Provided by the engine. */
    releaseMedia: () => {},
    /** Store the persisted snapshot / registry entry. Provided by the engine. */
    persist: () => {},
    /** The call is over: remove it from the live registry. Provided by the engine. */
    callEnded: () => {},
    applyAnalysis: assign(({ context, event }) => {
      const analysis = (event as { output?: Analysis }).output;
      if (!analysis) return {};
      const { state, alert } = nextRisk(context.risk, analysis, context.policy ?? DEFAULT_POLICY);
      // The alert's time is the newest utterance's: the machine reads no clock.
      return { risk: state, ...(alert ? { alert: { ...alert, at: context.transcript.at(-1)?.at ?? 0 } } : {}) };
    }),
    applyMediaStats: assign({
      streams: ({ context, event }) => {
        if (event.type !== 'media.stats') return context.streams;
        const byIndex = new Map(event.streams.map((s) => [s.index, s.media]));
        return context.streams.map((s) => (byIndex.has(s.index) ? { ...s, media: byIndex.get(s.index) } : s));
      },
    }),
    recordDtmf: assign({
      dtmf: ({ context, event }) => {
        if (event.type !== 'media.dtmf') return context.dtmf;
        const role = context.streams.find((s) => s.index === event.streamIndex)?.role;
        const digit: DtmfDigit = { digit: event.digit, at: event.at, streamIndex: event.streamIndex, ...(role ? { role } : {}) };
        return [...context.dtmf, digit].slice(-MAX_DTMF);
      },
    }),
    addUtterance: assign(({ context, event }) => {
      if (event.type !== 'speech.utterance') return {};
      const u = event.utterance;
      const { windowMs, maxUtterances } = context.transcriptLimits;
      // A partial stands in for the utterance in progress on its stream: the next partial or the
      // final replaces it.
      const kept = context.transcript.filter(
        (e) => !(e.kind === 'partial' && e.streamIndex === u.streamIndex) && event.at - e.at <= windowMs,
      );
      const transcript = [...kept, { ...u, at: event.at }].slice(-maxUtterances);
      const final = u.kind === 'final';
      return {
        transcript,
        speech: {
          ...context.speech,
          finals: context.speech.finals + (final ? 1 : 0),
          partials: context.speech.partials + (final ? 0 : 1),
          keyphraseHits: context.speech.keyphraseHits + (final ? (u.keyphrases?.length ?? 0) : 0),
        },
      };
    }),
    setSpeechStatus: assign({
      // A stream that could not be transcribed (capped, failed) keeps the call marked so, even when
      // another stream's recognizer starts later.
      speech: ({ context, event }) =>
        event.type !== 'speech.status' || (event.status === 'on' && context.speech.status !== 'off')
          ? context.speech
          : { ...context.speech, status: event.status },
    }),
    clearTranscript: assign({ transcript: () => [] }),
    applyReoffer: assign(({ context, event }) => {
      if (event.type !== 'sip.reoffer') return {};
      const history = event.metadata
        ? [...context.metadataHistory, event.metadata].slice(-MAX_METADATA_HISTORY)
        : context.metadataHistory;
      return {
        streams: event.streams ?? context.streams,
        participants: event.participants ?? context.participants,
        metadataHistory: history,
        lastRefreshAt: event.at,
        refreshes: context.refreshes + 1,
        ...(event.timer !== undefined ? { timer: event.timer ?? undefined } : {}),
      };
    }),
  },
  guards: {
    finalFromCaller: ({ event }) =>
      event.type === 'speech.utterance' && event.utterance.kind === 'final' && event.utterance.role === 'caller',
    analysisPending: ({ context }) => context.analysisPending,
    atLeastMedium: ({ context }) => context.risk.level === 'medium' || context.risk.level === 'high',
    atHigh: ({ context }) => context.risk.level === 'high',
    alerted: ({ context }) => context.alert !== undefined,
    // This result takes the call to the alert level for the first time.
    crossesAlert: ({ context, event }) => {
      const output = (event as { output?: Analysis }).output;
      return !context.alertAnnounced && output !== undefined && nextRisk(context.risk, output, context.policy ?? DEFAULT_POLICY).alert !== undefined;
    },
    mediaTimedOut: ({ context, event }) => event.type === 'media.stats' && mediaTimedOut(context, event.at, event.streams),
    uacRefreshes: ({ context }) => context.timer?.refresher === 'uac',
    // Guards run before any region's actions, so a re-offer is judged by the timer it carries.
    uacRefreshesAfter: ({ context, event }) =>
      (event.type === 'sip.reoffer' && event.timer !== undefined ? event.timer : context.timer)?.refresher === 'uac',
    heldAfter: ({ context, event }) =>
      event.type === 'sip.reoffer' && event.streams !== undefined
        ? allHeld(event.streams)
        : allHeld(context.streams),
    answeredHeld: ({ event }) => event.type === 'sip.answered' && allHeld(event.streams),
  },
  delays: {
    sessionExpiry: ({ context }) => (context.timer ? sessionExpiryMs(context.timer) : 0),
  },
}).createMachine({
  id: 'call',
  context: ({ input }) => ({
    ...input,
    streams: [],
    metadataHistory: [input.metadata],
    refreshes: 0,
    dtmf: [],
    transcript: [],
    speech: { status: 'off', finals: 0, partials: 0, keyphraseHits: 0 },
    risk: input.restored ? { ...input.restored.risk, tactics: [...input.restored.risk.tactics] } : createRiskState(),
    ...(input.restored?.alert ? { alert: input.restored.alert } : {}),
    analysisPending: false,
    alertAnnounced: input.restored?.alertAnnounced ?? false,
  }),
  initial: 'live',
  states: {
    live: {
      type: 'parallel',
      on: {
        'media.stats': { actions: 'applyMediaStats' },
        'media.dtmf': { actions: 'recordDtmf' },
        'speech.status': { actions: 'setSpeechStatus' },
        'sip.ended': {
          target: 'ended',
          actions: assign({ endedAt: ({ event }) => event.at, endReason: ({ event }) => event.reason }),
        },
      },
      states: {
        dialog: {
          initial: 'offered',
          on: {
            'call.hangup': {
              target: '.ending',
              actions: [
                assign({ endReason: ({ event }) => event.reason }),
                { type: 'hangup', params: ({ event }) => ({ reason: event.reason }) },
              ],
            },
          },
          states: {
            offered: {
              on: {
                'sip.answered': [
                  {
                    guard: 'answeredHeld',
                    target: 'held',
                    actions: assign({ streams: ({ event }) => event.streams, answeredAt: ({ event }) => event.at }),
                  },
                  {
                    target: 'active',
                    actions: assign({ streams: ({ event }) => event.streams, answeredAt: ({ event }) => event.at }),
                  },
                ],
              },
            },
            active: {
              // Inactivity counts afresh from the answer and from every resume.
              entry: [assign({ mediaSince: ({ event }) => ('at' in event ? event.at : undefined) }), 'persist'],
              on: {
                'media.stats': [
                  {
                    guard: 'mediaTimedOut',
                    actions: ['applyMediaStats', raise({ type: 'call.hangup', reason: 'media-timeout' })],
                  },
                  { actions: 'applyMediaStats' },
                ],
                'sip.reoffer': [{ guard: 'heldAfter', target: 'held', actions: 'applyReoffer' }, { actions: ['applyReoffer', 'persist'] }],
              },
            },
            held: {
              entry: 'persist',
              on: {
                'sip.reoffer': [
                  { guard: 'heldAfter', actions: ['applyReoffer', 'persist'] },
                  { target: 'active', actions: 'applyReoffer' },
                ],
              },
            },
            // We sent BYE; waiting for the adapter to confirm the dialog is gone.
            ending: {
              on: { 'sip.reoffer': {}, 'call.hangup': {} },
            },
          },
        },
        expiry: {
          initial: 'idle',
          states: {
            idle: {
              on: {
                'sip.answered': { guard: 'uacRefreshes', target: 'watching' },
                'sip.reoffer': { guard: 'uacRefreshesAfter', target: 'watching' },
              },
            },
            watching: {
              // Any re-offer (re-INVITE or UPDATE, with or without a body) is a refresh: restart,
              // unless it moved the refreshing to us.
              on: {
                'sip.reoffer': [
                  { guard: 'uacRefreshesAfter', target: 'watching', reenter: true },
                  { target: 'idle' },
                ],
              },
              after: {
                sessionExpiry: {
                  target: 'expired',
                  actions: raise({ type: 'call.hangup', reason: 'session-expired' }),
                },
              },
            },
            expired: {},
          },
        },
        // Runs the analyzer after each final caller utterance, one at a time: utterances that
        // arrive meanwhile coalesce into one more run over the newest window.
        analyzer: {
          initial: 'idle',
          states: {
            // Every utterance enters the window here (one handler: a parallel ancestor's would be
            // pre-empted); a final caller utterance also starts an analysis.
            idle: {
              on: {
                'speech.utterance': [
                  { guard: 'finalFromCaller', target: 'running', actions: 'addUtterance' },
                  { actions: 'addUtterance' },
                ],
              },
            },
            running: {
              on: {
                'speech.utterance': [
                  { guard: 'finalFromCaller', actions: ['addUtterance', assign({ analysisPending: true })] },
                  { actions: 'addUtterance' },
                ],
              },
              invoke: {
                src: 'analyze',
                input: ({ context }) => analysisInput(context),
                onDone: [
                  {
                    // Alerted: the judgement is final, later windows need not be analysed.
                    guard: 'crossesAlert',
                    target: 'idle',
                    actions: [
                      'applyAnalysis',
                      { type: 'raiseAlert', params: ({ context }) => ({ alert: context.alert as RiskAlert }) },
                      assign({ alertAnnounced: true, analysisPending: false }),
                    ],
                  },
                  { guard: 'analysisPending', target: 'running', reenter: true, actions: ['applyAnalysis', assign({ analysisPending: false })] },
                  { target: 'idle', actions: 'applyAnalysis' },
                ],
                // A failed analysis changes nothing; the next utterance tries again.
                onError: [
                  { guard: 'analysisPending', target: 'running', reenter: true, actions: assign({ analysisPending: false }) },
                  { target: 'idle' },
                ],
              },
            },
          },
        },
        // The call's judgement, as DESIGN.md names it; follows context.risk.
        analysis: {
          initial: 'listening',
          states: {
            listening: { always: [{ guard: 'alerted', target: 'alerted' }, { guard: 'atLeastMedium', target: 'suspicious' }] },
            suspicious: {
              always: [
                { guard: 'alerted', target: 'alerted' },
                { guard: 'atHigh', target: 'likelyScam' },
                { guard: ({ context }) => !(context.risk.level === 'medium' || context.risk.level === 'high'), target: 'listening' },
              ],
            },
            likelyScam: { always: [{ guard: 'alerted', target: 'alerted' }] },
            alerted: {},
          },
        },
      },
    },
    ended: {
      type: 'final',
      entry: ['clearTranscript', 'releaseMedia', 'persist', 'callEnded'],
    },
  },
});

export type CallMachine = typeof callMachine;

/**
 * No packet on any stream for the call's media timeout, counted from the answer or the last resume
 * (0 turns it off). The guard's rule, also the engine's test of which calls a sweep must read.
 */
export function mediaTimedOut(
  context: Pick<CallContext, 'mediaTimeoutMs' | 'mediaSince' | 'startedAt'>,
  at: number,
  streams: ReadonlyArray<{ media: Pick<StreamMedia, 'lastPacketAt'> }>,
): boolean {
  if (context.mediaTimeoutMs <= 0) return false;
  let last = context.mediaSince ?? context.startedAt;
  for (const s of streams) if ((s.media.lastPacketAt ?? 0) > last) last = s.media.lastPacketAt ?? 0;
  return at - last >= context.mediaTimeoutMs;
}

/** What the analyzer sees: the final utterances of the window, speaker-labelled, and DTMF. */
export function analysisInput(context: Pick<CallContext, 'transcript' | 'dtmf'>): AnalysisInput {
  return {
    window: context.transcript
      .filter((e) => e.kind === 'final')
      .map((e) => ({
        speaker: e.role === 'subscriber' || e.role === 'caller' ? e.role : 'unknown',
        text: e.text,
        ...(e.keyphrases?.length ? { keyphrases: e.keyphrases } : {}),
        ...(e.source ? { source: e.source } : {}),
        ...(e.words?.length ? { words: e.words.map((w) => ({ word: w.word, confidence: w.confidence })) } : {}),
      })),
    dtmf: context.dtmf.map((d) => ({ digit: d.digit, ...(d.role ? { role: d.role } : {}) })),
  };
}

/**
 * What may leave the process (Redis, the ops API): the persisted snapshot without the transcript
 * window's text, only its counts (context.speech).
 */
export function withoutContent<T>(persisted: T): T {
  const copy = structuredClone(persisted) as T & {
    context?: Partial<CallContext>;
    children?: Record<string, { snapshot?: { input?: unknown } } | undefined>;
  };
  if (copy.context) delete copy.context.transcript;
  // An analysis in flight holds the window as its input: it stays in memory too.
  for (const child of Object.values(copy.children ?? {})) if (child?.snapshot) delete child.snapshot.input;
  return copy;
}
