/**
 * One simulated recording, start to end, as an SBC runs it:
 *   INVITE (SDP + rs-metadata) → 1xx → 200 → ACK → RTP on both streams
 *   → hold re-INVITE (a=inactive) → resume re-INVITE (a=sendonly)
 *   → session refreshes (body-less UPDATE, RFC 4028 refresher=uac) → BYE.
 * callguard may end it first with its own BYE (session expiry, shutdown): we answer 200 and stop.
 *
 * Times in the options count from the 200 OK, on the monotonic clock the RTP pacer also uses.
 * Failures before the first SIP message (audio, name resolution, connection) are thrown as
 * SimulateError; once the INVITE is out, everything is reported in the result.
 */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { codecByName } from '../media/codecs/index.js';
import type { SipResponse } from '../sip/native/message.js';
import { parseMinSE, parseSessionExpires } from '../sip/native/header-values.js';
import type { HeaderPair } from '../sip/native/serializer.js';
import { parseSdpOffer } from '../siprec/sdp-offer.js';
import { loadAudio } from './audio-source.js';
import { SimulateError } from './errors.js';
import { PTIME_MS, PcmCursor, RtpPacer, RtpStreamSender } from './rtp-sender.js';
import { deriveSeed, seededRandom } from './seeded-random.js';
import { SipUac } from './sip-uac.js';
import { buildSdp, buildSiprecOffer, CODEC_SDP, LABELS, newMetadataIds, type SdpParams } from './siprec-offer.js';
import { defaultDuration } from './duration.js';
import {
  DEFAULT_SESSION_EXPIRES,
  type Party,
  type SimulationEvent,
  type SimulationOptions,
  type SimulationResult,
} from './types.js';
import { resolveTarget, type HostPort } from './uac-transport.js';

const PARTIES: readonly Party[] = ['caller', 'subscriber'];
const USER_AGENT = 'callguard-simulate';

type EndCause = { kind: 'duration' } | { kind: 'abort' } | { kind: 'peer-bye' } | { kind: 'error'; error: SimulateError };

export async function runSimulation(opts: SimulationOptions): Promise<SimulationResult> {
  const codec = codecByName(CODEC_SDP[opts.codec].rtpmap.split('/')[0] ?? '');
  if (!codec) throw new SimulateError('SIMULATE_USAGE', `codec ${opts.codec} is not available`, 2);
  const lossRate = opts.lossRate ?? 0;
  if (!(lossRate >= 0 && lossRate <= 1)) throw new SimulateError('SIMULATE_USAGE', `the loss rate must be between 0 and 1 (got ${lossRate})`, 2);
  const lossSeed = opts.lossSeed ?? randomInt(0, 2 ** 32 - 1);
  const frameSamples = (codec.sampleRate * PTIME_MS) / 1000;
  const timestampStep = (codec.clockRate * PTIME_MS) / 1000;

  // Everything that can fail for a reason the user must fix happens before the first SIP message.
  const audio: Record<Party, Int16Array> = {
    caller: opts.callerAudio ? await loadAudio(opts.callerAudio, codec.sampleRate) : new Int16Array(0),
    subscriber: opts.subscriberAudio ? await loadAudio(opts.subscriberAudio, codec.sampleRate) : new Int16Array(0),
  };
  const audioSeconds = Math.max(audio.caller.length, audio.subscriber.length) / codec.sampleRate;
  const duration = opts.duration ?? defaultDuration(audioSeconds, opts.holdAt, opts.resumeAt);
  const target: HostPort = { address: await resolveTarget(opts.target.host), port: opts.target.port };

  const started = performance.now();
  const at = (): number => Math.round(performance.now() - started);
  const emit = (e: SimulationEvent): void => {
    try {
      opts.onEvent?.(e);
    } catch {
      // A progress printer must not break the call.
    }
  };

  let resolveEnd: (cause: EndCause) => void = () => undefined;
  const ended = new Promise<EndCause>((resolve) => (resolveEnd = resolve));

  const uac = await SipUac.connect({
    transport: opts.transport,
    target,
    ...(opts.t1Ms !== undefined ? { t1Ms: opts.t1Ms } : {}),
    userAgent: USER_AGENT,
    onRequestSent: (method) => emit({ type: 'request', method, atMs: at() }),
    onResponse: (method, code, reason) => emit({ type: 'response', method, code, reason, atMs: at() }),
    onBye: () => {
      emit({ type: 'bye-received', atMs: at() });
      resolveEnd({ kind: 'peer-bye' });
    },
    onTransportError: (error) => resolveEnd({ kind: 'error', error: asSimulateError(error) }),
  });

  const senders: Partial<Record<Party, RtpStreamSender>> = {};
  const timers = new Set<NodeJS.Timeout>();
  let pacer: RtpPacer | null = null;
  try {
    for (const party of PARTIES) {
      const random = lossRate > 0 ? seededRandom(deriveSeed(lossSeed, 'rtp-loss', party)) : undefined;
      senders[party] = await RtpStreamSender.open({
        bindAddress: uac.local.address,
        payloadType: codec.payloadType,
        timestampStep,
        encoder: codec.createEncoder(),
        audio: new PcmCursor(audio[party], frameSamples),
        ...(audio[party].length > 0 ? { onAudioEnded: () => emit({ type: 'audio-ended', party, atMs: at() }) } : {}),
        ...(random ? { drop: () => random() < lossRate } : {}),
      });
    }
    const s = { caller: senders.caller!, subscriber: senders.subscriber! };

    const sdp: SdpParams = {
      address: uac.local.address,
      sessionId: String(Date.now()),
      version: 1,
      codec: opts.codec,
      ports: { caller: s.caller.port, subscriber: s.subscriber.port },
      direction: 'sendonly',
    };
    const offer = buildSiprecOffer(sdp, {
      ids: { ...newMetadataIds(), ...(opts.groupId ? { group: opts.groupId } : {}) },
      numbers: { caller: opts.caller, subscriber: opts.subscriber },
      domain: uac.local.address,
      startTime: new Date(),
    });

    // ---- INVITE ----
    let sessionExpires = opts.sessionExpires ?? DEFAULT_SESSION_EXPIRES;
    const inviteHeaders = (minSE?: number): HeaderPair[] => [
      ['Require', 'siprec'],
      ['Supported', 'timer'],
      ['Accept', 'application/sdp'],
      ['Session-Expires', `${sessionExpires};refresher=uac`],
      ...(minSE !== undefined ? ([['Min-SE', String(minSE)]] as HeaderPair[]) : []),
    ];
    let res: SipResponse;
    try {
      res = await uac.invite({ contentType: offer.contentType, body: offer.body }, inviteHeaders());
      if (res.status === 422) {
        // RFC 4028 §7.4: retry once with callguard's Min-SE as our interval.
        const minSE = parseMinSE(res.headers.get('min-se') ?? '');
        if (minSE !== null && minSE > sessionExpires) {
          emit({ type: 'warning', message: `Session-Expires ${sessionExpires} is below callguard's Min-SE: retrying with ${minSE}`, atMs: at() });
          sessionExpires = minSE;
          res = await uac.invite({ contentType: offer.contentType, body: offer.body }, inviteHeaders(minSE));
        }
      }
    } catch (err) {
      return result(false, 'us', asSimulateError(err));
    }
    if (res.status >= 300) {
      return result(false, 'callguard', new SimulateError('SIMULATE_REJECTED', `callguard answered ${res.status} ${res.reason}`));
    }

    // ---- answered: media ----
    const applyAnswer = (answer: SipResponse): void => {
      const parsed = parseSdpOffer(answer.body);
      if (!parsed.ok) {
        emit({ type: 'warning', message: `the answer has no usable SDP (${parsed.error.message}): no RTP sent`, atMs: at() });
        for (const party of PARTIES) s[party].setDestination(null);
        return;
      }
      const media = parsed.value.media;
      for (const [i, party] of PARTIES.entries()) {
        // By label: callguard echoes a=label (RFC 7866 §8.1.1); order is only a fallback.
        let m = media.find((x) => x.label === LABELS[party]);
        if (!m && media.every((x) => x.label === undefined)) m = media[i];
        // Port 0 rejects the stream (RFC 3264 §6); a null address is hold, not a destination.
        const usable = m !== undefined && m.port !== 0 && m.address !== '0.0.0.0' && m.address !== '::';
        s[party].setDestination(m && usable ? { address: m.address, port: m.port } : null);
      }
    };
    applyAnswer(res);
    const answeredAt = performance.now();
    const after = (seconds: number, fn: () => void): void => {
      const delay = Math.max(0, answeredAt + seconds * 1000 - performance.now());
      const t = setTimeout(() => {
        timers.delete(t);
        fn();
      }, delay);
      timers.add(t);
    };
    emit({
      type: 'answered',
      callId: uac.callId,
      atMs: at(),
      streams: PARTIES.map((party) => {
        const d = s[party].destination;
        return { party, label: LABELS[party], destination: d ? `${d.address}:${d.port}` : null };
      }),
    });
    pacer = new RtpPacer([s.caller, s.subscriber]);
    pacer.start();

    // ---- hold / resume ----
    const reinvite = async (direction: 'sendonly' | 'inactive'): Promise<SipResponse | null> => {
      sdp.version++;
      sdp.direction = direction;
      try {
        const r = await uac.reinvite({ contentType: 'application/sdp', body: Buffer.from(buildSdp(sdp), 'utf8') });
        if (r.status >= 200 && r.status < 300) {
          applyAnswer(r);
          return r;
        }
        emit({ type: 'warning', message: `re-INVITE (${direction}) got ${r.status} ${r.reason}`, atMs: at() });
      } catch (err) {
        if (!uac.endedByPeer) emit({ type: 'warning', message: `re-INVITE (${direction}) failed: ${(err as Error).message}`, atMs: at() });
      }
      return null;
    };
    if (opts.holdAt !== undefined) {
      after(opts.holdAt, () => {
        // An SBC stops forking media when the call is held, then tells the SRS.
        s.caller.pause();
        s.subscriber.pause();
        emit({ type: 'held', atMs: at() });
        void reinvite('inactive');
      });
    }
    if (opts.resumeAt !== undefined) {
      after(opts.resumeAt, () => {
        void reinvite('sendonly').then((r) => {
          if (!r) return;
          s.caller.resume();
          s.subscriber.resume();
          emit({ type: 'resumed', atMs: at() });
        });
      });
    }

    // ---- session refresh (RFC 4028: refresher=uac, at half the interval unless told otherwise) ----
    const negotiated = (r: SipResponse): { interval: number; weRefresh: boolean } | null => {
      const se = parseSessionExpires(r.headers.get('session-expires') ?? '');
      return se ? { interval: se.interval, weRefresh: se.refresher !== 'uas' } : null;
    };
    let timer = negotiated(res);
    const scheduleRefresh = (fromSeconds: number): void => {
      const every = opts.refresh ?? (timer?.weRefresh ? timer.interval / 2 : undefined);
      if (every === undefined || every <= 0) return;
      const nextAt = fromSeconds + every;
      if (nextAt >= duration) return;
      after(nextAt, () => {
        void uac
          .request('UPDATE', [
            ['Session-Expires', `${timer?.interval ?? sessionExpires};refresher=uac`],
            ['Supported', 'timer'],
          ])
          .then(
            (r) => {
              if (r.status >= 200 && r.status < 300) {
                timer = negotiated(r);
                emit({ type: 'refreshed', atMs: at(), interval: timer?.interval ?? null });
              } else emit({ type: 'warning', message: `session refresh got ${r.status} ${r.reason}`, atMs: at() });
              scheduleRefresh(nextAt);
            },
            (err: unknown) => {
              if (!uac.endedByPeer) emit({ type: 'warning', message: `session refresh failed: ${(err as Error).message}`, atMs: at() });
            },
          );
      });
    };
    scheduleRefresh(0);

    // ---- the end ----
    after(duration, () => resolveEnd({ kind: 'duration' }));
    const onAbort = (): void => resolveEnd({ kind: 'abort' });
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const cause = await ended;
    opts.signal?.removeEventListener('abort', onAbort);
    pacer.stop();
    for (const t of timers) clearTimeout(t);
    timers.clear();

    if (cause.kind === 'peer-bye') {
      return result(true, 'callguard', new SimulateError('SIMULATE_PEER_HANGUP', 'callguard ended the call (BYE) before we did'));
    }
    if (cause.kind === 'error') return result(true, 'us', cause.error);
    try {
      const bye = await uac.request('BYE');
      if (bye.status >= 200 && bye.status < 300) return result(true, 'us');
      return result(true, 'us', new SimulateError('SIMULATE_BYE_FAILED', `BYE got ${bye.status} ${bye.reason}`));
    } catch (err) {
      // callguard's BYE may cross ours: then the call ended cleanly from its side.
      if (uac.endedByPeer) return result(true, 'callguard', new SimulateError('SIMULATE_PEER_HANGUP', 'callguard ended the call (BYE) as we did'));
      return result(true, 'us', new SimulateError('SIMULATE_BYE_FAILED', `BYE failed: ${(err as Error).message}`));
    }
  } finally {
    pacer?.stop();
    for (const t of timers) clearTimeout(t);
    await Promise.allSettled([uac.close(), ...PARTIES.map((p) => senders[p]?.close())]);
  }

  function result(answered: boolean, endedBy: 'us' | 'callguard', error?: SimulateError): SimulationResult {
    const out: SimulationResult = {
      callId: uac.callId,
      answered,
      responses: [...uac.responses],
      packetsSent: { caller: senders.caller?.packetsSent ?? 0, subscriber: senders.subscriber?.packetsSent ?? 0 },
      ...(lossRate > 0
        ? { packetsDropped: { caller: senders.caller?.packetsDropped ?? 0, subscriber: senders.subscriber?.packetsDropped ?? 0 } }
        : {}),
      endedBy,
      clean: answered && endedBy === 'us' && error === undefined,
      durationMs: at(),
    };
    if (error) out.error = { code: error.code, message: error.message };
    return out;
  }
}

function asSimulateError(err: unknown): SimulateError {
  if (err instanceof SimulateError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  return new SimulateError('SIMULATE_TRANSPORT', e.message, 1, { cause: e });
}
