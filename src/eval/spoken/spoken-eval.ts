/**
 * The spoken evaluation, start to end: select the conversations, replay them as text (the reference),
 * start the private node, then per conversation — synthesise each turn in its role's voice, lay the
 * turns out on two tracks, add noise, play the call with loss — and build the report. The node and
 * every process it started are closed whatever happens (errors, Ctrl-C).
 */
import { performance } from 'node:perf_hooks';
import { selectAnalyzer } from '../../analysis/select.js';
import { ConfigError, loadConfig, type Config } from '../../config/index.js';
import { createLogger, silentLogger } from '../../log.js';
import { codecByName } from '../../media/codecs/index.js';
import { resample } from '../../media/resample.js';
import { CODEC_SDP } from '../../simulate/siprec-offer.js';
import type { CodecChoice } from '../../simulate/types.js';
import type { Conversation } from '../../analysis/dataset.js';
import { evalMetrics } from '../metrics.js';
import { replay, type ReplayResult } from '../replay.js';
import { loadConversations } from './conversations.js';
import { evalNodeEnv, startEvalNode } from './eval-node.js';
import { layoutCall, type SpokenTurn } from './layout.js';
import { addNoise } from './noise.js';
import { playCall } from './play-call.js';
import { forEachLimit } from './pool.js';
import { buildReport, type SpokenReport } from './report.js';
import { CachedSynthesizer } from './synthesizer.js';
import { callTiming } from './timing.js';
import { TtsCache } from './tts-cache.js';
import { formatVoiceSpec } from './voices.js';
import { SpokenEvalError, type CallLayout, type CallRow, type EvalTarget, type SpokenEvalOptions, type Synthesizer } from './types.js';

/** A distinct protected number per conversation (+1 555 0000000 up): no alert is ever deduplicated or rate-limited away. */
export function subscriberNumber(index: number): string {
  return `+1555${String(index).padStart(7, '0')}`;
}

export function codecRate(codec: CodecChoice): number {
  const c = codecByName(CODEC_SDP[codec].rtpmap.split('/')[0] ?? '');
  if (!c) throw new SpokenEvalError('EVAL_USAGE', `codec ${codec} is not available`);
  return c.sampleRate;
}

export async function runSpokenEval(opts: SpokenEvalOptions): Promise<SpokenReport> {
  const started = performance.now();
  const conversations = await loadConversations(opts.data, {
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
    ...(opts.ids ? { ids: opts.ids } : {}),
  });
  if (!conversations.length) throw new SpokenEvalError('EVAL_NO_CONVERSATIONS', 'no conversation to play (check --data, --ids and --limit)');
  let config: Config;
  try {
    config = loadConfig(evalNodeEnv(opts.env, { concurrency: opts.concurrency, ...(opts.analyzer ? { analyzer: opts.analyzer } : {}) }));
  } catch (err) {
    if (err instanceof ConfigError) throw new SpokenEvalError(err.code, err.message, 2, { cause: err });
    throw err;
  }
  const synth = new CachedSynthesizer(new TtsCache(opts.cacheDir));
  await synth.check([opts.voices.caller, opts.voices.subscriber]);

  const text = await replayAsText(conversations, config);
  if (opts.signal?.aborted) throw new SpokenEvalError('EVAL_ABORTED', 'interrupted before the first call', 1);
  const logger = opts.logger ?? createLogger({ level: 'warn', destination: process.stderr });
  const target = await startEvalNode(config, logger);
  const rows: Array<CallRow | undefined> = [];
  let done = 0;
  try {
    await forEachLimit(
      conversations,
      opts.concurrency,
      async (c, i) => {
        const t0 = performance.now();
        const row = await evaluateOne(c, i, { synth, target, opts, text: text.results.get(c.id) });
        // An interrupted call is not a result: the report covers the calls that ran to their end.
        if (row.error?.code === 'EVAL_ABORTED' && opts.signal?.aborted) return;
        rows[i] = row;
        opts.onProgress?.({ done: ++done, total: conversations.length, row, seconds: (performance.now() - t0) / 1000 });
      },
      opts.signal,
    );
  } finally {
    await target.close();
  }

  const finished = rows.filter((r): r is CallRow => r !== undefined);
  const playedIds = new Set(finished.filter((r) => !r.error).map((r) => r.id));
  const textResults = conversations.flatMap((c) => {
    const r = playedIds.has(c.id) ? text.results.get(c.id) : undefined;
    return r ? [r] : [];
  });
  return buildReport(finished, {
    data: opts.data,
    recognizer: target.recognizer,
    analyzer: target.analyzer,
    settings: {
      voices: { caller: formatVoiceSpec(opts.voices.caller), subscriber: formatVoiceSpec(opts.voices.subscriber) },
      codec: opts.codec,
      loss_pct: opts.lossPct,
      noise_snr_db: opts.noise?.snrDb ?? null,
      noise_color: opts.noise?.color ?? null,
      seed: opts.seed,
      gap_s: opts.gapS,
      lead_in_s: opts.leadInS,
      tail_s: opts.tailS,
      concurrency: opts.concurrency,
      limit: opts.limit ?? null,
      ids: opts.ids ?? null,
    },
    aborted: opts.signal?.aborted ?? false,
    elapsed_s: (performance.now() - started) / 1000,
    text: evalMetrics(textResults, text.times),
  });
}

/** The text replay of every conversation through the analyzer the node uses (a separate instance). */
async function replayAsText(conversations: readonly Conversation[], config: Config): Promise<{ results: Map<string, ReplayResult>; times: number[] }> {
  const analyzer = selectAnalyzer(config, silentLogger());
  const results = new Map<string, ReplayResult>();
  const times: number[] = [];
  try {
    for (const c of conversations) results.set(c.id, await replay(c, analyzer, times));
  } finally {
    await analyzer.close?.();
  }
  return { results, times };
}

interface OneContext {
  synth: Synthesizer;
  target: EvalTarget;
  opts: SpokenEvalOptions;
  text: ReplayResult | undefined;
}

async function evaluateOne(c: Conversation, index: number, ctx: OneContext): Promise<CallRow> {
  const { opts } = ctx;
  const head = { id: c.id, label: c.label, ...(c.category ? { category: c.category } : {}) };
  const text = {
    textAlerted: ctx.text?.alertTurn !== undefined,
    ...(ctx.text?.alertTurn !== undefined ? { textAlertTurn: ctx.text.alertTurn } : {}),
  };
  const callerTurns = c.turns.filter((t) => t.speaker === 'caller').length;
  const failed = (error: { code: string; message: string }): CallRow => ({ ...head, alerted: false, ...text, callerTurns, error });

  let layout: CallLayout;
  try {
    layout = await prepareCall(c, ctx.synth, opts);
  } catch (err) {
    // One line an engine cannot speak spoils that call only; a missing engine stops the run.
    if (err instanceof SpokenEvalError && (err.code === 'EVAL_TTS_FAILED' || err.code === 'EVAL_ABORTED')) {
      return failed({ code: err.code, message: err.message });
    }
    throw err;
  }
  const outcome = await playCall(ctx.target, layout, subscriberNumber(index), c.id, {
    codec: opts.codec,
    lossRate: opts.lossPct / 100,
    seed: opts.seed,
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
  if (!outcome.ok) return failed(outcome.error);
  const alertAtMs = outcome.duringCall ? outcome.smsAtMs : undefined;
  const during = alertAtMs !== undefined;
  const timing = callTiming(layout.schedule, alertAtMs);
  const s = (ms: number): number => Math.round(ms) / 1000;
  return {
    ...head,
    alerted: during,
    ...(during ? { alertAtS: s(alertAtMs) } : {}),
    ...(outcome.smsAtMs !== undefined && !during ? { lateAlert: true } : {}),
    ...(outcome.alert ? { alertCategory: outcome.alert.category, explanation: outcome.alert.explanation } : {}),
    ...text,
    callerTurns: timing.callerTurns,
    ...(timing.firstCallerStartMs !== undefined ? { firstCallerStartS: s(timing.firstCallerStartMs) } : {}),
    ...(timing.callerTurnsHeard !== undefined ? { callerTurnsHeard: timing.callerTurnsHeard } : {}),
    ...(timing.decisiveDelayMs !== undefined ? { decisiveDelayMs: Math.round(timing.decisiveDelayMs) } : {}),
    durationS: s(outcome.durationMs),
  };
}

/** Each turn in its role's voice at the codec rate, laid out, with noise when asked. */
export async function prepareCall(c: Conversation, synth: Synthesizer, opts: SpokenEvalOptions): Promise<CallLayout> {
  const rate = codecRate(opts.codec);
  const turns: SpokenTurn[] = [];
  for (const t of c.turns) {
    const pcm = await synth.synthesize(opts.voices[t.speaker], t.text, opts.signal);
    turns.push({ role: t.speaker, samples: pcm.sampleRate === rate ? pcm.samples : resample(pcm.samples, pcm.sampleRate, rate) });
  }
  const layout = layoutCall(turns, { sampleRate: rate, leadInMs: opts.leadInS * 1000, gapMs: opts.gapS * 1000, tailMs: opts.tailS * 1000 });
  return opts.noise ? addNoise(layout, { ...opts.noise, seed: opts.seed }, c.id) : layout;
}
