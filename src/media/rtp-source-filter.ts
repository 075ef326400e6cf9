/**
 * Which datagrams a stream takes, by source: the address and port the offer named, or, with
 * 'latch', the first source that sends (then only that one). An unspecified source (old-style
 * hold, RFC 3264 §8.4) accepts any.
 */
import type { Logger } from '../log.js';
import type { StreamConfig } from './types.js';

type Source = StreamConfig['source'];

export class RtpSourceFilter {
  private source: Source = 'latch';
  private latched: { address: string; port: number } | undefined;

  constructor(private readonly log: Logger | undefined) {}

  setSource(source: Source): void {
    if (source === 'latch' && this.source !== 'latch') this.latched = undefined;
    this.source = source;
  }

  /** An RTP datagram: address and port must match (the first one latches). */
  acceptRtp(address: string, port: number): boolean {
    const src = this.source;
    if (src === 'latch') {
      const l = this.latched;
      if (l === undefined) {
        this.latched = { address, port };
        this.log?.debug({ port }, 'rtp source latched');
        return true;
      }
      return l.port === port && (l.address === address || sameAddress(l.address, address));
    }
    if (src.port === port && (src.address === address || sameAddress(src.address, address))) return true;
    return isUnspecified(src);
  }

  /**
   * An RTCP datagram. RTCP comes from the sender's RTCP port, which the offer does not always say
   * (RFC 3605): only the address is checked, and nothing latches on it.
   */
  acceptRtcp(address: string): boolean {
    const expected = this.source === 'latch' ? this.latched : this.source;
    return expected === undefined || sameAddress(expected.address, address) || isUnspecified(expected);
  }
}

/** '::ffff:192.0.2.1' (a dual-stack socket) is '192.0.2.1'. */
function sameAddress(a: string, b: string): boolean {
  return stripMapped(a) === stripMapped(b);
}

function stripMapped(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** c=IN IP4 0.0.0.0 or port 0 (old-style hold, RFC 3264 §8.4): the source is unknown, accept any. */
function isUnspecified(src: { address: string; port: number }): boolean {
  return src.port === 0 || src.address === '0.0.0.0' || src.address === '::';
}
