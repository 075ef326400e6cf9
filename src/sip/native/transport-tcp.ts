/**
 * TCP transport (RFC 3261 §18.1.1, §18.2.2, §18.3): a plain socket under the shared stream
 * framing and connection handling of transport-stream.ts.
 */
import net from 'node:net';
import type { SendTarget } from './transport.js';
import { StreamTransport, type StreamTransportOptions } from './transport-stream.js';

export type TcpTransportOptions = StreamTransportOptions;

export class TcpTransport extends StreamTransport {
  readonly kind = 'tcp' as const;

  protected createServer(onConnection: (socket: net.Socket) => void): net.Server {
    return net.createServer({ noDelay: true }, onConnection);
  }

  protected connect(target: SendTarget): net.Socket {
    return net.connect({ host: target.address, port: target.port, noDelay: true });
  }
}
