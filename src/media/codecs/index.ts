/** The audio codecs we decode, by rtpmap encoding name. */
import { G722 } from './g722.js';
import { PCMA } from './pcma.js';
import { PCMU } from './pcmu.js';
import type { AudioCodec } from './types.js';

export type { AudioCodec, AudioDecoder, AudioEncoder } from './types.js';
export { PCMU, linearToMulaw, mulawToLinear } from './pcmu.js';
export { PCMA, alawToLinear, linearToAlaw } from './pcma.js';
export { G722, G722Decoder, G722Encoder } from './g722.js';
export {
  encodeTelephoneEvent,
  eventDigit,
  parseTelephoneEvent,
  type TelephoneEventPayload,
} from './telephone-event.js';
export { comfortNoiseLevel } from './comfort-noise.js';

const BY_NAME: ReadonlyMap<string, AudioCodec> = new Map([
  ['PCMU', PCMU],
  ['PCMA', PCMA],
  ['G722', G722],
]);

/** Codec for an rtpmap encoding name, case-insensitive (SDP encoding names are, RFC 4855 §3). */
export function codecByName(name: string): AudioCodec | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** Static payload type → codec (RFC 3551 Table 4), for offers that omit the rtpmap of 0, 8 or 9. */
export function codecByStaticPayloadType(pt: number): AudioCodec | undefined {
  return pt === 0 ? PCMU : pt === 8 ? PCMA : pt === 9 ? G722 : undefined;
}

/** Names that are not audio codecs but may be bound in a StreamConfig. */
export const TELEPHONE_EVENT = 'telephone-event';
export const COMFORT_NOISE = 'CN';
