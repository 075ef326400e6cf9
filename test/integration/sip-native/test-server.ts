/**
 * Set-up shared by the native server's integration tests: a NativeSessionServer on 127.0.0.1 with
 * short transaction timers and a RecordingHandler, scripted UACs pointed at it, and all of it closed
 * after each test, last opened first (so the UACs go before their server).
 */
import { afterEach } from 'vitest';
import { silentLogger } from '../../../src/log.js';
import { NativeSessionServer, type NativeSessionServerOptions } from '../../../src/sip/native/native-session-server.js';
import { RecordingHandler, TcpUac, UdpUac } from './scripted-uac.js';

/** An ephemeral port on 127.0.0.1, UDP and TCP, T1 20 ms (T2 160, T4 200), close() waits 100 ms; `opts` override. */
export function testServerOptions(opts: Partial<NativeSessionServerOptions> = {}): NativeSessionServerOptions {
  return {
    host: '127.0.0.1',
    port: 0,
    transports: ['udp', 'tcp'],
    logger: silentLogger(),
    timers: { t1: 20, t2: 160, t4: 200 },
    closeTimeoutMs: 100,
    ...opts,
  };
}

export interface TestServers {
  /** A listening server (testServerOptions(opts)) with a RecordingHandler. */
  server(opts?: Partial<NativeSessionServerOptions>): Promise<{ server: NativeSessionServer; handler: RecordingHandler }>;
  /** A UDP UAC sending to the server, from `host` (default 127.0.0.1). */
  udpUac(server: NativeSessionServer, host?: string): Promise<UdpUac>;
  /** A TCP UAC connected to the server. */
  tcpUac(server: NativeSessionServer): Promise<TcpUac>;
  /** Anything else to close after the test (in reverse order with the rest). */
  closeAfter(close: () => Promise<void>): void;
}

/** Call at the top of a test file or describe: registers the afterEach that closes what it opened. */
export function useTestServers(): TestServers {
  const closers: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of closers.splice(0).reverse()) await c();
  });
  const closeAfter = (close: () => Promise<void>): void => {
    closers.push(close);
  };
  return {
    async server(opts = {}) {
      const server = new NativeSessionServer(testServerOptions(opts));
      const handler = new RecordingHandler();
      await server.listen(handler);
      closeAfter(() => server.close());
      return { server, handler };
    },
    async udpUac(server, host) {
      const uac = await UdpUac.open(server.address().udp ?? 0, host);
      closeAfter(() => uac.close());
      return uac;
    },
    async tcpUac(server) {
      const uac = await TcpUac.open(server.address().tcp ?? 0);
      closeAfter(() => uac.close());
      return uac;
    },
    closeAfter,
  };
}
