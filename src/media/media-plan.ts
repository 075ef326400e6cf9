/**
 * What to do with one offered m-line: which codec we receive, whether to answer telephone-event,
 * our SDES key for RTP/SAVP, and how the endpoint is configured (codecs, expected source, the SRC's
 * key, hold). Pure: the engine applies it.
 */
import { randomBytes } from 'node:crypto';
import { chooseCodec, chooseTelephoneEvent } from '../siprec/index.js';
import type { OfferedCodec, OfferedCrypto, OfferedMedia } from '../siprec/types.js';
import { CryptoAttributeError } from './errors.js';
import { parseCryptoAttribute } from './srtp.js';
import type { StreamConfig } from './types.js';

/**
 * auto: fixed to the offered address, but latch to the first source when the offer says 0.0.0.0 or
 * the SDP address is not the one the SIP came from (an SRC behind NAT); always/never force it.
 */
export type LatchPolicy = 'auto' | 'always' | 'never';

export interface MediaPlan {
  index: number;
  /** Undefined: the stream is rejected (port 0). */
  codec?: OfferedCodec;
  telephoneEvent?: OfferedCodec;
  /** Our a=crypto value for the answer (RTP/SAVP only). */
  answerCrypto?: string;
  config?: StreamConfig;
}

const UNSPECIFIED = new Set(['0.0.0.0', '::', '']);

/** The first offered crypto line we can use (supported suite, one inline key, no MKI, KDR 0). */
function chooseCrypto(m: OfferedMedia): OfferedCrypto | undefined {
  return m.crypto.find((c) => {
    const line = `${c.tag} ${c.suite} ${c.keyParams}${c.sessionParams ? ` ${c.sessionParams}` : ''}`;
    return !(parseCryptoAttribute(line) instanceof CryptoAttributeError);
  });
}

export function mediaPlan(
  m: OfferedMedia,
  opts: { sipSource: string; latch: LatchPolicy; previous?: MediaPlan },
): MediaPlan {
  const reject: MediaPlan = { index: m.index };
  if (m.type !== 'audio' || m.port === 0) return reject;
  const codec = chooseCodec(m);
  if (!codec) return reject;
  const savp = /SAVP/i.test(m.proto);
  const crypto = savp ? chooseCrypto(m) : undefined;
  // RFC 4568 §6.1: an RTP/SAVP stream without a usable crypto line cannot be answered.
  if (savp && !crypto) return reject;

  const telephoneEvent = chooseTelephoneEvent(m, codec);
  const cn = m.codecs.filter((c) => c.name.toUpperCase() === 'CN');
  const latch =
    opts.latch === 'always' ||
    (opts.latch === 'auto' && (UNSPECIFIED.has(m.address) || m.address !== opts.sipSource));
  let answerCrypto: string | undefined;
  if (crypto) {
    const prev = opts.previous?.answerCrypto;
    answerCrypto =
      prev && prev.startsWith(`${crypto.tag} ${crypto.suite} `)
        ? prev
        : `${crypto.tag} ${crypto.suite} inline:${randomBytes(30).toString('base64')}`;
  }
  const config: StreamConfig = {
    codecs: [codec, ...(telephoneEvent ? [telephoneEvent] : []), ...cn].map((c) => ({
      payloadType: c.payloadType,
      name: c.name,
      clockRate: c.clockRate,
    })),
    source: latch ? 'latch' : { address: m.address, port: m.port },
    ...(crypto ? { srtp: { suite: crypto.suite.toUpperCase(), keySalt: (crypto.keyParams.split(/[ |]/)[0] ?? '').slice(7) } } : {}),
    rtcpMux: m.rtcpMux,
    held: m.held,
  };
  return {
    index: m.index,
    codec,
    ...(telephoneEvent ? { telephoneEvent } : {}),
    ...(answerCrypto ? { answerCrypto } : {}),
    config,
  };
}
