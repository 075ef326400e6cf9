/**
 * Our own address as written in Via and Contact. When bound to a wildcard address the local
 * address of the connection (TCP, TLS) or of the first external interface is used, unless an
 * advertised host is configured (NAT, containers).
 */
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { TransportSource } from './transport.js';

export class LocalAddress {
  constructor(
    private readonly opts: { host: string; advertisedHost?: string },
    private readonly portOf: (transport: TransportSource['transport']) => number,
  ) {}

  /** host:port for a Via sent-by or a Contact URI, IPv6 in brackets. */
  hostPort(source: TransportSource): string {
    let host = this.opts.advertisedHost;
    if (!host) {
      const bound = this.opts.host;
      if (bound !== '0.0.0.0' && bound !== '::' && bound !== '') host = bound;
      else host = source.localAddress ?? defaultInterfaceAddress();
    }
    return `${isIP(host) === 6 ? `[${host}]` : host}:${this.portOf(source.transport)}`;
  }

  /**
   * RFC 7866: the SRS marks its Contact with the +sip.srs feature tag. Over TLS it says
   * transport=tls, which SBCs accept; RFC 5630 deprecates that for sips:, but a sips: Contact would
   * promise TLS on every hop, which is not ours to promise.
   */
  contact(source: TransportSource): string {
    return `<sip:${this.hostPort(source)};transport=${source.transport}>;+sip.srs`;
  }
}

let cachedInterfaceAddress: string | undefined;

function defaultInterfaceAddress(): string {
  if (cachedInterfaceAddress) return cachedInterfaceAddress;
  for (const list of Object.values(networkInterfaces())) {
    for (const ni of list ?? []) {
      if (ni.family === 'IPv4' && !ni.internal) {
        cachedInterfaceAddress = ni.address;
        return ni.address;
      }
    }
  }
  cachedInterfaceAddress = '127.0.0.1';
  return cachedInterfaceAddress;
}
