/**
 * The transaction layer (RFC 3261 §17): creates, matches and forgets server and client
 * transactions, builds the responses they send, and counts responses by status. The UAS core
 * above it never touches a retransmission timer.
 */
import type { Logger } from '../../log.js';
import type { IncomingRequest } from './message-incoming.js';
import type { SipResponse } from './message.js';
import { parseCSeq, parseVia } from './header-values.js';
import { newTag } from './ids.js';
import { buildResponse, type HeaderPair, type ResponseBase, type ResponseOptions } from './serializer.js';
import { ExpiryQueue, expirySlackMs } from './expiry-queue.js';
import type { TimerSet } from './timers.js';
import { InviteServerTransaction } from './transaction-invite-server.js';
import { NonInviteClientTransaction, type ClientOutcome } from './transaction-non-invite-client.js';
import { NonInviteServerTransaction } from './transaction-non-invite-server.js';
import { clientTransactionKey, type TransactionDeps, type TransactionTimers } from './transaction.js';
import { isStreamTransport, type SendErrorCallback, type SendTarget, type TransportKind } from './transport.js';

export type ServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

export interface TransactionLayerDeps {
  timers: TimerSet;
  t: TransactionTimers;
  logger: Logger;
  send(target: SendTarget, data: Buffer, onError?: SendErrorCallback): void;
  /** Headers every response carries (Server). */
  responseHeaders: readonly HeaderPair[];
}

export class TransactionLayer {
  /** Responses sent, by status: first transmissions only. */
  readonly responsesByCode: Record<number, number> = {};
  private readonly servers = new Map<string, ServerTransaction>();
  private readonly clients = new Map<string, NonInviteClientTransaction>();
  /** Finished server transactions waiting out 64×T1. */
  private readonly linger: ExpiryQueue<{ terminate(): void }>;
  /** One per kind of transport: every transaction of that kind shares it. */
  private readonly unreliableDeps: TransactionDeps;
  private readonly reliableDeps: TransactionDeps;

  constructor(private readonly deps: TransactionLayerDeps) {
    const wait = 64 * deps.t.t1;
    this.linger = new ExpiryQueue(deps.timers, wait, expirySlackMs(wait), (tx) => tx.terminate());
    const shared = { timers: deps.timers, t: deps.t, logger: deps.logger, linger: this.linger };
    this.unreliableDeps = { ...shared, reliable: false };
    this.reliableDeps = { ...shared, reliable: true };
  }

  /** Live transactions. */
  get size(): number {
    return this.servers.size + this.clients.size;
  }

  private txDeps(transport: TransportKind): TransactionDeps {
    return isStreamTransport(transport) ? this.reliableDeps : this.unreliableDeps;
  }

  /** RFC 3261 §17.2.3: the server transaction a request (or its ACK/CANCEL key) belongs to. */
  match(key: string): ServerTransaction | undefined {
    return this.servers.get(key);
  }

  createInviteServer(req: IncomingRequest): InviteServerTransaction {
    // Capture the target, not the request: a transaction outlives its request by 64×T1 (32 s),
    // and holding every parsed request that long costs hundreds of MB at 500 calls/s.
    const target = req.target;
    const tx = new InviteServerTransaction(detachedKey(req.txKey), this.txDeps(req.source.transport), {
      send: (data) => this.deps.send(target, data),
      onTerminated: (t) => this.forgetServer(t),
    });
    this.servers.set(tx.key, tx);
    return tx;
  }

  createNonInviteServer(req: IncomingRequest): NonInviteServerTransaction {
    // Capture the target, not the request: a transaction outlives its request by 64×T1 (32 s),
    // and holding every parsed request that long costs hundreds of MB at 500 calls/s.
    const target = req.target;
    const tx = new NonInviteServerTransaction(detachedKey(req.txKey), this.txDeps(req.source.transport), {
      send: (data) => this.deps.send(target, data),
      onTerminated: (t) => this.forgetServer(t),
    });
    this.servers.set(tx.key, tx);
    return tx;
  }

  /** A transaction for the request's method. */
  createServer(req: IncomingRequest): ServerTransaction {
    return req.method === 'INVITE' ? this.createInviteServer(req) : this.createNonInviteServer(req);
  }

  private forgetServer(tx: ServerTransaction): void {
    if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
  }

  buildResponse(req: IncomingRequest, status: number, reason: string, opts: ResponseOptions = {}): Buffer {
    const headers = opts.headers ? [...opts.headers, ...this.deps.responseHeaders] : this.deps.responseHeaders;
    return buildResponse(req.base, status, reason, { ...opts, headers });
  }

  /** Sends a response through its transaction; false when the transaction already has a final one. */
  respond(tx: ServerTransaction, req: IncomingRequest, status: number, reason: string, opts: ResponseOptions = {}): boolean {
    return this.respondWith(tx, status, this.buildResponse(req, status, reason, opts));
  }

  /** Sends prebuilt response bytes through a transaction (the 2xx the dialog also retransmits). */
  respondWith(tx: ServerTransaction, status: number, data: Buffer): boolean {
    if (!tx.respond(status, data)) return false;
    this.count(status);
    return true;
  }

  /** A final response in a fresh transaction, so retransmissions of the request are absorbed. */
  reject(req: IncomingRequest, status: number, reason: string, headers: readonly HeaderPair[] = []): void {
    this.respond(this.createServer(req), req, status, reason, { toTag: newTag(), headers });
  }

  /** A response outside any transaction: for requests too broken to open one (RFC 3261 §8.2 400s). */
  respondStateless(base: ResponseBase, target: SendTarget, status: number, reason: string): void {
    this.deps.send(target, buildResponse(base, status, reason, { toTag: newTag(), headers: this.deps.responseHeaders }));
    this.count(status);
  }

  /** Starts a non-INVITE client transaction (RFC 3261 §17.1.2) for an in-dialog request we send. */
  request(target: SendTarget, branch: string, method: string, data: Buffer): Promise<ClientOutcome> {
    const key = clientTransactionKey(branch, method);
    const tx = new NonInviteClientTransaction(key, data, this.txDeps(target.transport), {
      send: (bytes, onError) => this.deps.send(target, bytes, onError),
      onTerminated: (t) => {
        if (this.clients.get(t.key) === t) this.clients.delete(t.key);
      },
    });
    this.clients.set(key, tx);
    return tx.start();
  }

  /** RFC 3261 §17.1.3: routes a response to its client transaction; false when none matches. */
  onResponse(res: SipResponse): boolean {
    const via = parseVia(res.headers.list('via')[0] ?? '');
    const cseq = parseCSeq(res.headers.get('cseq') ?? '');
    const tx = via?.branch && cseq ? this.clients.get(clientTransactionKey(via.branch, cseq.method)) : undefined;
    if (!tx) return false;
    tx.onResponse(res);
    return true;
  }

  private count(status: number): void {
    this.responsesByCode[status] = (this.responsesByCode[status] ?? 0) + 1;
  }

  /** Shutdown: pending client outcomes resolve as aborted, every transaction ends now. */
  terminateAll(): void {
    for (const tx of [...this.clients.values()]) tx.abort();
    for (const tx of [...this.servers.values()]) tx.terminate();
  }
}

/**
 * The key as a string of its own. It is built from slices of the request's text, and a slice keeps
 * its whole parent alive: a finished transaction's key held each request's head (~2 KB) for 64×T1
 * (heap snapshot at 500 calls/s). The JSON round trip copies the characters.
 */
function detachedKey(key: string): string {
  return JSON.parse(JSON.stringify(key)) as string;
}
