/**
 * SIP over TLS (RFC 3261 §26.2, RFC 5630): TCP's framing and connection reuse
 * (transport-stream.ts) over node:tls. We present our certificate and do not ask the SRC for one:
 * which SRCs may talk to us is the source allow-list's job. A connection we open ourselves (the
 * SRC's one is gone) verifies the SRC's certificate against Node's CA store, which
 * NODE_EXTRA_CA_CERTS extends.
 */
import type net from 'node:net';
import tls from 'node:tls';
import type { SendTarget, TransportSink } from './transport.js';
import { StreamTransport, type StreamTransportOptions } from './transport-stream.js';

export interface TlsCredentials {
  /** PEM certificate (chain). */
  cert: string | Buffer;
  /** PEM private key. */
  key: string | Buffer;
}

/** RFC 8996 deprecates TLS 1.0 and 1.1. */
const MIN_TLS_VERSION = 'TLSv1.2';
/** A SIP peer finishes its handshake in milliseconds; one that does not only holds a socket. */
const HANDSHAKE_TIMEOUT_MS = 10_000;

export class TlsTransport extends StreamTransport {
  readonly kind = 'tls' as const;

  /** Throws when the certificate or key is unusable (unreadable PEM, key not matching the certificate). */
  constructor(
    sink: TransportSink,
    opts: StreamTransportOptions,
    private readonly credentials: TlsCredentials,
  ) {
    super(sink, opts);
    // Fail at start-up with a clear error rather than on the first handshake.
    tls.createSecureContext({ cert: credentials.cert, key: credentials.key });
  }

  protected createServer(onConnection: (socket: net.Socket) => void): net.Server {
    const server = tls.createServer(
      {
        cert: this.credentials.cert,
        key: this.credentials.key,
        minVersion: MIN_TLS_VERSION,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
      },
      onConnection,
    );
    // A failed handshake (a port scan, a client that does not trust us) only concerns that client.
    // Node reports a handshake timeout here but leaves the socket open: end it ourselves.
    server.on('tlsClientError', (err, socket) => {
      this.opts.logger.debug({ err: err.message }, 'sip tls handshake failed');
      socket.destroy();
    });
    return server;
  }

  protected connect(target: SendTarget): net.Socket {
    return tls.connect({ host: target.address, port: target.port, minVersion: MIN_TLS_VERSION });
  }
}
