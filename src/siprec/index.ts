/** The SIPREC domain: recording bodies in, participants and an SDP answer out. No I/O. */
export * from './types.js';
export { parseRecordingBody, type BodyOptions } from './body.js';
export { parseMultipart, splitMultipart, type Part } from './multipart.js';
export { parseMetadata, MAX_METADATA_BYTES, type MetadataOptions } from './metadata.js';
export { mergeMetadata } from './metadata-merge.js';
export { normaliseNumber, normaliseIdentity, isE164, extractDialString } from './numbers.js';
export { parseSdpOffer } from './sdp-offer.js';
export { buildAnswer, chooseCodec, chooseTelephoneEvent, type AnswerMedia, type AnswerLocal } from './sdp-answer.js';
export {
  resolveParticipants,
  SUBSCRIBER_HEADER,
  CISCO_PARTICIPANT_HEADER,
  type ResolveInput,
  type ResolvedParticipants,
  type ParticipantSource,
} from './roles.js';
export { parseHeaderValue, mediaTypeOf, isMetadataType, type HeaderValue } from './content-type.js';
export { parseAddress, parseAddressList, type HeaderAddress } from './name-addr.js';
