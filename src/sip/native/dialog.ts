/**
 * A UAS dialog (RFC 3261 §12): its identifier, route set, remote target and sequence numbers, the
 * requests we send inside it (§12.2.1.1), the checks on requests it receives (§12.2.2), and the
 * retransmission of our 2xx to an INVITE until the ACK arrives (§13.3.1.4).
 */
import { isIP } from 'node:net';
import { bareHost, parseNameAddr, parseSipUri, type SipUriParts } from './header-values.js';
import { EMPTY_BODY } from './message.js';
import { buildRequest, type HeaderPair } from './serializer.js';
import type { TimerHandle, TimerSet } from './timers.js';
import type { TransactionTimers } from './transaction.js';
import { defaultPort, isStreamTransport, type SendTarget, type TransportSource } from './transport.js';

export interface DialogInit {
  callId: string;
  localTag: string;
  remoteTag: string;
  /** The INVITE's To value as received (our URI; the tag is added when we send). */
  localUri: string;
  /** The INVITE's From value as received (carries the remote tag). */
  remoteUri: string;
  /** URI of the INVITE's Contact. */
  remoteTarget: string;
  /** Record-Route values in the order received (RFC 3261 §12.1.1: the UAS keeps that order). */
  routeSet: string[];
  remoteCSeq: number;
  /** Where the INVITE came from: transport, address, connection. */
  source: TransportSource;
}

export interface RequestRouting {
  requestUri: string;
  routes: string[];
  /** The URI the request goes to first: the first route, else the remote target. */
  nextHop: SipUriParts | null;
}

interface AckWait {
  data: Buffer;
  retransmit: TimerHandle | null;
  timeout: TimerHandle;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}\u0000${localTag}\u0000${remoteTag}`;
}

export class Dialog {
  readonly key: string;
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: string;
  readonly remoteUri: string;
  readonly routeSet: string[];
  /** Where the dialog's last request came from: in-dialog requests we send reuse it. */
  source: TransportSource;
  remoteTarget: string;
  remoteCSeq: number;
  /** RFC 3261 §12.1.1: the UAS's local sequence number starts empty; our first request uses 1. */
  localCSeq = 0;
  private readonly ackWaits = new Map<number, AckWait>();

  constructor(init: DialogInit) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.remoteCSeq = init.remoteCSeq;
    this.source = init.source;
    this.key = dialogKey(init.callId, init.localTag, init.remoteTag);
  }

  /**
   * RFC 3261 §12.2.2: a request with a lower CSeq than the last one is out of order (500). ACK and
   * CANCEL reuse the INVITE's number and are not checked.
   */
  acceptRemoteCSeq(seq: number): boolean {
    if (seq < this.remoteCSeq) return false;
    this.remoteCSeq = seq;
    return true;
  }

  /** RFC 3261 §12.2.2: a target refresh request (re-INVITE, UPDATE) replaces the remote target. */
  refreshTarget(contactValue: string | undefined): void {
    if (!contactValue) return;
    const parsed = parseNameAddr(contactValue);
    if (parsed) this.remoteTarget = parsed.uri;
  }

  /** RFC 3261 §12.2.1.1: Request-URI and Route headers for loose (lr) and strict routers. */
  routing(): RequestRouting {
    const first = this.routeSet[0];
    if (first === undefined) return { requestUri: this.remoteTarget, routes: [], nextHop: parseSipUri(this.remoteTarget) };
    const firstUri = parseNameAddr(first)?.uri ?? '';
    const firstParts = parseSipUri(firstUri);
    if (firstParts?.params.has('lr')) return { requestUri: this.remoteTarget, routes: [...this.routeSet], nextHop: firstParts };
    // Strict router: it becomes the Request-URI and the remote target goes last in Route.
    return {
      requestUri: firstUri,
      routes: [...this.routeSet.slice(1), `<${this.remoteTarget}>`],
      nextHop: firstParts,
    };
  }

  /**
   * Where an in-dialog request goes: over TCP or TLS the dialog's connection first (RFC 3261 §18.1.1
   * reuse); else the next hop's address when it is an IP literal; else where the dialog's last
   * request came from (no RFC 3263 DNS lookups: SRCs put their address in Contact).
   */
  target(): SendTarget {
    const src = this.source;
    const hop = this.routing().nextHop;
    let address = src.address;
    let port = src.port;
    if (hop) {
      const host = bareHost(hop.host);
      if (isIP(host)) {
        address = host;
        port = hop.port ?? (hop.scheme === 'sips' ? 5061 : defaultPort(src.transport));
      }
    }
    const target: SendTarget = { transport: src.transport, address, port };
    if (isStreamTransport(src.transport) && src.connectionId !== undefined) target.connectionId = src.connectionId;
    return target;
  }

  /** Builds an in-dialog request (BYE, UPDATE) with the next local CSeq. */
  buildRequest(
    method: string,
    opts: { via: string; contact?: string; userAgent?: string; headers?: readonly HeaderPair[]; body?: Buffer },
  ): { data: Buffer; cseq: number } {
    const route = this.routing();
    const cseq = ++this.localCSeq;
    const headers: HeaderPair[] = [['Via', opts.via], ['Max-Forwards', '70']];
    for (const r of route.routes) headers.push(['Route', r]);
    headers.push(
      ['From', `${this.localUri};tag=${this.localTag}`],
      ['To', this.remoteUri],
      ['Call-ID', this.callId],
      ['CSeq', `${cseq} ${method}`],
    );
    if (opts.contact) headers.push(['Contact', opts.contact]);
    if (opts.userAgent) headers.push(['User-Agent', opts.userAgent]);
    if (opts.headers) headers.push(...opts.headers);
    return { data: buildRequest(method, route.requestUri, headers, opts.body ?? EMPTY_BODY), cseq };
  }

  /**
   * RFC 3261 §13.3.1.4: pass the 2xx to the transport again at T1, 2*T1, … capped at T2 until the
   * ACK comes; after 64*T1 without one, `onTimeout` ends the session. On a reliable transport the
   * next hop already has the 2xx, so only the timeout runs.
   */
  awaitAck(
    cseq: number,
    data: Buffer,
    env: { timers: TimerSet; t: TransactionTimers; reliable: boolean; send: (data: Buffer) => void; onTimeout: () => void },
  ): void {
    this.ackWaits.get(cseq)?.timeout.cancel();
    const wait: AckWait = {
      data,
      retransmit: null,
      timeout: env.timers.set(64 * env.t.t1, () => {
        wait.retransmit?.cancel();
        this.ackWaits.delete(cseq);
        env.onTimeout();
      }),
    };
    const schedule = (interval: number): void => {
      wait.retransmit = env.timers.set(interval, () => {
        env.send(wait.data);
        schedule(Math.min(2 * interval, env.t.t2));
      });
    };
    if (!env.reliable) schedule(env.t.t1);
    this.ackWaits.set(cseq, wait);
  }

  /** An ACK for the 2xx to the INVITE with this CSeq. Returns true if it was awaited. */
  onAck(cseq: number): boolean {
    const wait = this.ackWaits.get(cseq);
    if (!wait) return false;
    wait.retransmit?.cancel();
    wait.timeout.cancel();
    this.ackWaits.delete(cseq);
    return true;
  }

  get awaitingAck(): boolean {
    return this.ackWaits.size > 0;
  }

  /** Stops every 2xx retransmission (BYE received, shutdown). */
  stopAckWaits(): void {
    for (const wait of this.ackWaits.values()) {
      wait.retransmit?.cancel();
      wait.timeout.cancel();
    }
    this.ackWaits.clear();
  }
}
