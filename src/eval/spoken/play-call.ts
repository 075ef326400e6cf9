/**
 * Plays one laid-out conversation as one recorded call (SIPREC INVITE, paced RTP in real time, BYE)
 * into the evaluation node, and reads what the node did: the first SMS to this call's subscriber,
 * when it was sent relative to the call's audio, and whether that was before our BYE.
 */
import { performance } from 'node:perf_hooks';
import { deriveSeed } from '../../simulate/seeded-random.js';
import { runSimulation, SimulateError } from '../../simulate/index.js';
import type { CodecChoice } from '../../simulate/types.js';
import type { CallLayout, EvalTarget, RaisedAlert } from './types.js';

/** The other party of every evaluation call (only subscribers need to differ). */
export const EVAL_CALLER = '+13035551000';

/**
 * After our BYE, how long to wait for an SMS from an analysis that was still running: it is a false
 * alarm on a legitimate call all the same, and a late one on a scam.
 */
const SETTLE_MS = 1500;
/** Once an alert is raised, its SMS follows within milliseconds; this bounds a stuck queue. */
const SMS_AFTER_ALERT_MS = 10_000;

export interface PlayOptions {
  codec: CodecChoice;
  /** 0..1 */
  lossRate: number;
  seed: number;
  signal?: AbortSignal;
}

export type PlayOutcome =
  | {
      ok: true;
      durationMs: number;
      /** The first SMS for this call, ms from the start of the call's audio. */
      smsAtMs?: number;
      /** It was sent before our BYE. */
      duringCall: boolean;
      alert?: RaisedAlert;
    }
  | { ok: false; error: { code: string; message: string } };

/** `key` names the conversation: its packet-loss pattern follows from the seed and the key alone. */
export async function playCall(target: EvalTarget, layout: CallLayout, subscriber: string, key: string, opts: PlayOptions): Promise<PlayOutcome> {
  await target.provision(subscriber);
  let answeredAt: number | undefined;
  let byeAt: number | undefined;
  let result;
  try {
    result = await runSimulation({
      target: target.sip,
      transport: 'udp',
      caller: EVAL_CALLER,
      subscriber,
      codec: opts.codec,
      callerAudio: { kind: 'pcm', samples: layout.tracks.caller, sampleRate: layout.sampleRate },
      subscriberAudio: { kind: 'pcm', samples: layout.tracks.subscriber, sampleRate: layout.sampleRate },
      duration: layout.durationMs / 1000,
      ...(opts.lossRate > 0 ? { lossRate: opts.lossRate, lossSeed: deriveSeed(opts.seed, 'loss', key) } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
      onEvent: (e) => {
        // The pacer starts right after the answer: this is sample 0 of the tracks, on the clock the
        // SMS provider stamps with.
        if (e.type === 'answered') answeredAt = performance.now();
        else if (e.type === 'request' && e.method === 'BYE') byeAt ??= performance.now();
      },
    });
  } catch (err) {
    if (err instanceof SimulateError) return { ok: false, error: { code: err.code, message: err.message } };
    throw err;
  }
  if (!result.answered || answeredAt === undefined) {
    return { ok: false, error: result.error ?? { code: 'EVAL_NOT_ANSWERED', message: 'the node did not answer the recording' } };
  }
  if (result.endedBy === 'callguard') {
    return { ok: false, error: result.error ?? { code: 'SIMULATE_PEER_HANGUP', message: 'the node ended the call before all of it was played' } };
  }
  if (opts.signal?.aborted) return { ok: false, error: { code: 'EVAL_ABORTED', message: 'interrupted before the call ended' } };
  const endedAt = byeAt ?? performance.now();

  const until = async (cond: () => boolean, ms: number): Promise<void> => {
    const end = performance.now() + ms;
    while (!cond() && performance.now() < end) await new Promise((r) => setTimeout(r, 50));
  };
  const firstSms = () => target.smsTo(subscriber)[0];
  await until(() => firstSms() !== undefined || target.alertFor(subscriber) !== undefined, SETTLE_MS);
  if (target.alertFor(subscriber)) await until(() => firstSms() !== undefined, SMS_AFTER_ALERT_MS);

  const sms = firstSms();
  const alert = target.alertFor(subscriber);
  return {
    ok: true,
    durationMs: result.durationMs,
    ...(sms ? { smsAtMs: sms.at - answeredAt } : {}),
    duringCall: sms !== undefined && sms.at < endedAt,
    ...(alert ? { alert } : {}),
  };
}
