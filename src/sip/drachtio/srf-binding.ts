/**
 * The slice of drachtio-srf 5.0 this adapter uses, typed from what its lib/*.js does. The shipped
 * lib/@types are hand-written and wrong where it matters here (connect() returns the app, not a
 * promise; Dialog#destroy() returns a promise; 'connect' passes (err, hostport, serverVersion,
 * localHostports); 'destroy' passes the BYE and a reason). Every cast to or into drachtio-srf lives
 * in this file, so a drachtio-srf upgrade is checked against one place.
 */
import type { Socket } from 'node:net';
import SrfModule from 'drachtio-srf';

/** An incoming request (lib/request.js) as this adapter reads it. */
export interface SrfRequest {
  readonly method: string;
  readonly uri: string;
  /** The whole message as drachtio-srf decoded it from UTF-8 (start line, headers, body). */
  readonly raw: string;
  readonly body: string;
  /** 'network' for what the SRC sent; 'application' for what drachtio-server sent for us (a BYE on ACK timeout). */
  readonly source: 'network' | 'application';
  readonly source_address: string;
  readonly source_port: number;
  /** udp, tcp, tls, ws or wss. */
  readonly protocol: string;
  readonly stackTxnId?: string;
  readonly stackDialogId?: string;
  /** `address:port` of drachtio-server's transport the request came in on (newer servers only). */
  readonly receivedOn?: string;
  get(name: string): string | undefined;
  has(name: string): boolean;
  on(event: 'cancel', listener: () => void): this;
}

export interface SrfSendOptions {
  headers?: Record<string, string>;
  body?: string;
}

/** lib/response.js: send() throws for a status sip-status does not know. */
export interface SrfResponse {
  readonly finalResponseSent: boolean;
  send(status: number, reason: string | undefined, opts: SrfSendOptions, callback?: (err: unknown) => void): void;
}

/** lib/dialog.js, UAS side. */
export interface SrfDialog {
  readonly id: string;
  readonly connected: boolean;
  on(event: 'destroy', listener: (req: SrfRequest, reason?: string) => void): this;
  on(event: 'modify' | 'update', listener: (req: SrfRequest, res: SrfResponse) => void): this;
  on(event: 'ack', listener: (req: SrfRequest) => void): this;
  /** Sends BYE; resolves when drachtio-server relays the answer, rejects when it could not send. */
  destroy(opts?: { headers?: Record<string, string> }): Promise<unknown>;
}

export interface SrfConnectOptions {
  host: string;
  port: number;
  secret: string;
  /** WireProtocol: retryMaxDelay caps the back-off (without it the delay grows by 1.7× for ever). */
  reconnect: { retryMaxDelay: number };
  enablePing: boolean;
  pingInterval?: number;
}

export type SrfConnectListener = (err: Error | null, hostport?: string, serverVersion?: string, localHostports?: string) => void;

/** lib/srf.js. */
export interface SrfApp {
  on(event: 'connect', listener: SrfConnectListener): this;
  on(event: 'error', listener: (err: Error) => void): this;
  on(event: 'close', listener: () => void): this;
  on(event: 'reconnecting', listener: (info: { delay: number; attempt: number }) => void): this;
  removeAllListeners(): this;
  invite(handler: (req: SrfRequest, res: SrfResponse) => void): void;
  connect(opts: SrfConnectOptions): unknown;
  /**
   * The callback form: called synchronously when drachtio-server acknowledges the 200, before any
   * later frame is read (the promise form resolves a microtask later, after a BYE in the same TCP
   * read was already emitted on the dialog). May be called more than once on failure.
   */
  createUAS(
    req: SrfRequest,
    res: SrfResponse,
    opts: { localSdp: string; headers: Record<string, string> },
    callback: (err: unknown, dialog?: SrfDialog) => void,
  ): unknown;
}

/** A fresh Srf application (no tags, no connection yet). */
export function createSrf(): SrfApp {
  // The one construction cast: the default export is the Srf class (CommonJS module.exports).
  const Ctor = SrfModule as unknown as new () => SrfApp;
  return new Ctor();
}

/** drachtio-agent / wire-protocol internals that shutting down needs and no public method offers. */
interface AgentInternals {
  mapServer?: Map<Socket, { authenticated?: boolean }>;
  wp?: {
    closing?: boolean;
    socket?: Socket;
    reconnectVars?: { retryTimer?: NodeJS.Timeout | null };
    _stopPinging?: (socket: Socket) => void;
  };
}

/**
 * Stops drachtio-srf's connection for good: no further reconnect attempts, no pings, every socket
 * ended (and destroyed if it does not close in `graceMs`). Srf#disconnect() is not enough: it
 * asserts on a socket when none is connected, and leaves a scheduled reconnect running.
 */
export async function stopConnection(srf: SrfApp, graceMs: number): Promise<void> {
  const agent = (srf as unknown as { _app?: { client?: AgentInternals } })._app?.client;
  const wp = agent?.wp;
  if (!agent || !wp) return;
  // WireProtocol#_onConnectionGone gives up once `closing` is set…
  wp.closing = true;
  // …but a retry already scheduled would still connect.
  const retry = wp.reconnectVars?.retryTimer;
  if (retry) clearTimeout(retry);
  if (wp.reconnectVars) wp.reconnectVars.retryTimer = null;
  const sockets = new Set<Socket>(agent.mapServer?.keys() ?? []);
  if (wp.socket) sockets.add(wp.socket);
  agent.mapServer?.clear();
  await Promise.all(
    [...sockets].map(
      (socket) =>
        new Promise<void>((resolve) => {
          wp._stopPinging?.(socket);
          if (socket.destroyed) {
            resolve();
            return;
          }
          const timer = setTimeout(() => socket.destroy(), graceMs);
          socket.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
          socket.end();
        }),
    ),
  );
}

/**
 * A dialog sends its requests on the connection its INVITE came in on (Dialog#socket is
 * req.socket). After drachtio-srf reconnected that socket is gone, but drachtio-server still holds
 * the dialog and finds it by id from any connection: point the dialog at the live one, so our BYE
 * still goes out. Returns false when there is no live connection.
 */
export function rebindDialog(srf: SrfApp, dialog: SrfDialog): boolean {
  const req = (dialog as unknown as { req?: { socket?: Socket } }).req;
  if (!req) return false;
  if (req.socket && !req.socket.destroyed) return true;
  const agent = (srf as unknown as { _app?: { client?: AgentInternals } })._app?.client;
  for (const [socket, state] of agent?.mapServer ?? []) {
    if (!socket.destroyed && state.authenticated) {
      req.socket = socket;
      return true;
    }
  }
  return false;
}
