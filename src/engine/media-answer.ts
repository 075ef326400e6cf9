/** Binds a call's RTP endpoints to an offer and builds the SDP answer (offer and every re-offer). */
import { mediaPlan } from '../media/media-plan.js';
import type { RtpPortPool } from '../media/types.js';
import { buildAnswer } from '../siprec/index.js';
import type { OfferedSdp } from '../siprec/types.js';
import type { SessionInfo } from '../sip/types.js';
import type { CallResources } from './call-resources.js';
import type { EngineDeps } from './types.js';

/** No offered m-line carries audio we can decode: the offer is refused (488). */
export class NoUsableStreamError extends Error {
  readonly code = 'ENGINE_NO_USABLE_STREAM';
}

export interface AnswerHost {
  ports: RtpPortPool;
  config: { rtp: Pick<EngineDeps['config']['rtp'], 'advertise'>; media?: EngineDeps['config']['media'] };
}

/**
 * Ensures one endpoint per usable m-line (keeping existing ones), releases the rest, configures
 * each from the offer (codecs, expected source, SRTP key, hold) and builds the SDP answer.
 */
export async function allocateAndAnswer(
  host: AnswerHost,
  resources: CallResources,
  session: SessionInfo,
  sdp: OfferedSdp,
  sessionId: string,
  version: number,
): Promise<string> {
  const { media } = resources;
  const previous = resources.plans;
  const plans = sdp.media.map((m, i) =>
    mediaPlan(m, {
      sipSource: session.source.address,
      latch: host.config.media?.latch ?? 'auto',
      // Keep our SRTP key across re-offers of the same stream: the SRC may check it.
      previous: previous?.[i],
    }),
  );
  if (!plans.some((p) => p.codec)) throw new NoUsableStreamError();
  for (const index of [...media.keys()]) {
    if (!plans[index]?.codec) await resources.dropEndpoint(index);
  }
  // Concurrently: each bind is an event-loop round trip when no pre-bound pair is ready.
  const wanted = plans.filter((p) => p.codec && !media.has(p.index));
  const got = await Promise.allSettled(wanted.map(() => host.ports.allocate()));
  got.forEach((r, i) => {
    if (r.status === 'fulfilled') media.set(wanted[i]!.index, r.value);
  });
  const failed = got.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  for (const p of plans) if (p.config) media.get(p.index)?.configure(p.config);
  resources.plans = plans;
  return buildAnswer(
    sdp,
    plans.map((p) => ({
      port: p.codec ? (media.get(p.index)?.port ?? 0) : 0,
      codec: p.codec,
      telephoneEvent: p.telephoneEvent,
      crypto: p.answerCrypto,
    })),
    { address: host.config.rtp.advertise, sessionId, version, userAgent: 'callguard' },
  );
}
