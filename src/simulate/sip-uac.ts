/**
 * A minimal SIP UAC for one recording dialog (RFC 3261): the INVITE and non-INVITE client
 * transactions it needs (§17.1.1, §17.1.2: retransmission over UDP, timeouts), the ACK for 2xx
 * (§13.2.2.4, a transaction of its own, to the remote target) and for non-2xx (§17.1.1.3, same
 * branch), in-dialog requests (§12.2.1.1), and the UAS part that answers callguard's BYE.
 *
 * Requests inside the dialog go one at a time: an SRC that overlaps a re-INVITE with an UPDATE
 * gets 491/500 (RFC 3261 §14.1, RFC 3311 §5.1), which is not what a simulation wants to show.
 */
import net from 'node:net';
import { parseNameAddr, parseSipUri, parseVia } from '../sip/native/header-values.js';
import { EMPTY_BODY, reasonPhrase, type SipRequest, type SipResponse } from '../sip/native/message.js';
import { buildRequest, buildResponse, type HeaderPair } from '../sip/native/serializer.js';
import { SimulateError } from './errors.js';
import { newBranch, newCallId, newTag } from './sip-ids.js';
import type { ResponseRecord } from './types.js';
import { openTcpTransport, openUdpTransport, type HostPort, type UacTransport } from './uac-transport.js';

export interface SipUacOptions {
  transport: 'udp' | 'tcp';
  /** callguard's SIP address (an IP literal: resolve names first). */
  target: HostPort;
  /** RFC 3261 T1/T2 in ms (defaults 500/4000). */
  t1Ms?: number;
  t2Ms?: number;
  userAgent?: string;
  /** A request went out (first transmission only). */
  onRequestSent?(method: string): void;
  /** A response arrived (retransmissions of it are not reported again). */
  onResponse?(method: string, status: number, reason: string): void;
  /** callguard ended the dialog with a BYE (already answered 200). */
  onBye?(): void;
  /** The transport failed; every pending request has been failed too. */
  onTransportError?(err: Error): void;
}

export interface RequestBody {
  contentType: string;
  body: Buffer;
}

interface ClientTransaction {
  branch: string;
  method: string;
  data: Buffer;
  dest: HostPort;
  interval: number;
  retransmit: NodeJS.Timeout | null;
  timeout: NodeJS.Timeout;
  /** Statuses already reported: a retransmitted response is recorded once. */
  seen: Set<number>;
  resolve(res: SipResponse): void;
  reject(err: Error): void;
}

interface DialogState {
  remoteTo: string;
  remoteTarget: string;
  routes: string[];
}

const ALLOW = 'INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE';

export class SipUac {
  readonly callId: string;
  readonly localTag = newTag();
  /** Every response received, in order, each retransmission once. */
  readonly responses: ResponseRecord[] = [];
  private readonly t1: number;
  private readonly t2: number;
  private readonly transactions = new Map<string, ClientTransaction>();
  /**
   * ACKs we sent, by the INVITE's branch: a retransmitted final response (our ACK was lost)
   * gets the same ACK again (RFC 3261 §13.2.2.4, §17.1.1.2).
   */
  private readonly acks = new Map<string, { data: Buffer; dest: HostPort }>();
  private dialog: DialogState | null = null;
  private localCSeq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private byeReceived = false;
  private failed: Error | null = null;
  private closing: Promise<void> | undefined;

  private constructor(
    private readonly opts: SipUacOptions,
    private readonly transport: UacTransport,
  ) {
    this.t1 = opts.t1Ms ?? 500;
    this.t2 = opts.t2Ms ?? 4000;
    this.callId = newCallId(transport.local.address);
  }

  static async connect(opts: SipUacOptions): Promise<SipUac> {
    let uac: SipUac | undefined;
    const handlers = {
      onMessage: (msg: SipRequest | SipResponse, from: HostPort) => uac?.onMessage(msg, from),
      onError: (err: Error) => uac?.onTransportError(err),
    };
    const transport = opts.transport === 'tcp' ? await openTcpTransport(opts.target, handlers) : await openUdpTransport(opts.target, handlers);
    uac = new SipUac(opts, transport);
    return uac;
  }

  get local(): HostPort {
    return this.transport.local;
  }

  /** The dialog is up: a 2xx to the INVITE arrived and was ACKed. */
  get established(): boolean {
    return this.dialog !== null;
  }

  get endedByPeer(): boolean {
    return this.byeReceived;
  }

  /** The initial INVITE. On a 2xx the dialog is set up and ACKed before this resolves. */
  invite(body: RequestBody, headers: readonly HeaderPair[]): Promise<SipResponse> {
    return this.serial(() => {
      const proto = this.opts.transport === 'tcp' ? ';transport=tcp' : '';
      const requestUri = `sip:callguard@${hostPort(this.opts.target)}${proto}`;
      return this.sendInvite(requestUri, `<${requestUri}>`, [], body, headers);
    });
  }

  /** A re-INVITE inside the dialog (hold, resume): a new offer with the same dialog state. */
  reinvite(body: RequestBody, headers: readonly HeaderPair[] = []): Promise<SipResponse> {
    return this.serial(() => {
      const d = this.requireDialog('INVITE');
      return this.sendInvite(d.remoteTarget, d.remoteTo, d.routes, body, headers);
    });
  }

  /** A non-INVITE request inside the dialog: UPDATE (session refresh), BYE. */
  request(method: 'UPDATE' | 'BYE' | 'OPTIONS', headers: readonly HeaderPair[] = []): Promise<SipResponse> {
    return this.serial(() => {
      const d = this.requireDialog(method);
      const cseq = ++this.localCSeq;
      const branch = newBranch();
      const extra: HeaderPair[] = method === 'UPDATE' ? [['Contact', this.contact()], ...headers] : [...headers];
      const data = buildRequest(method, d.remoteTarget, this.baseHeaders(branch, d.remoteTo, d.routes, `${cseq} ${method}`, extra));
      return this.startTransaction(branch, method, data, this.nextHop(d));
    });
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      this.failAll(new SimulateError('SIMULATE_TRANSPORT', 'the SIP client closed'));
      await this.transport.close();
    })();
    return this.closing;
  }

  // ---- sending ----

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => {
      if (this.failed) throw this.failed;
      return fn();
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private requireDialog(method: string): DialogState {
    if (this.byeReceived) throw new SimulateError('SIMULATE_TRANSPORT', `cannot send ${method}: callguard ended the dialog`);
    if (!this.dialog) throw new SimulateError('SIMULATE_TRANSPORT', `cannot send ${method}: no dialog`);
    return this.dialog;
  }

  private async sendInvite(requestUri: string, to: string, routes: string[], body: RequestBody, headers: readonly HeaderPair[]): Promise<SipResponse> {
    const cseq = ++this.localCSeq;
    const branch = newBranch();
    const all: HeaderPair[] = [['Contact', `${this.contact()};+sip.src`], ['Allow', ALLOW], ...headers, ['Content-Type', body.contentType]];
    const viaAndRest = this.baseHeaders(branch, to, routes, `${cseq} INVITE`, all);
    const data = buildRequest('INVITE', requestUri, viaAndRest, body.body);
    const dest = this.dialog ? this.nextHop(this.dialog) : this.opts.target;
    const res = await this.startTransaction(branch, 'INVITE', data, dest);
    if (res.status >= 200 && res.status < 300) {
      if (!this.dialog) this.dialog = dialogFrom(res, this.opts.target);
      else refreshTarget(this.dialog, res);
      // RFC 3261 §13.2.2.4: the ACK for a 2xx is a new transaction to the remote target.
      const d = this.dialog;
      const ack = buildRequest('ACK', d.remoteTarget, this.baseHeaders(newBranch(), d.remoteTo, d.routes, `${cseq} ACK`, []));
      this.sendAck(branch, ack, this.nextHop(d));
    } else if (res.status >= 300) {
      // RFC 3261 §17.1.1.3: the ACK for a non-2xx reuses the INVITE's Via (branch) and Request-URI,
      // with the To of the response (its tag).
      const resTo = res.headers.get('to') ?? to;
      const ack = buildRequest('ACK', requestUri, this.baseHeaders(branch, resTo, routes, `${cseq} ACK`, []));
      this.sendAck(branch, ack, dest);
    }
    return res;
  }

  private sendAck(inviteBranch: string, data: Buffer, dest: HostPort): void {
    this.acks.set(inviteBranch, { data, dest });
    this.transport.send(data, dest);
    this.opts.onRequestSent?.('ACK');
  }

  private baseHeaders(branch: string, to: string, routes: string[], cseq: string, extra: readonly HeaderPair[]): HeaderPair[] {
    const proto = this.opts.transport.toUpperCase();
    const headers: HeaderPair[] = [
      // RFC 3581 rport: answer to the port we sent from.
      ['Via', `SIP/2.0/${proto} ${hostPort(this.local)};branch=${branch};rport`],
      ['Max-Forwards', '70'],
    ];
    for (const r of routes) headers.push(['Route', r]);
    headers.push(
      ['From', `<sip:src@${hostPort(this.local)}>;tag=${this.localTag}`],
      ['To', to],
      ['Call-ID', this.callId],
      ['CSeq', cseq],
    );
    if (this.opts.userAgent) headers.push(['User-Agent', this.opts.userAgent]);
    headers.push(...extra);
    return headers;
  }

  private contact(): string {
    const proto = this.opts.transport === 'tcp' ? ';transport=tcp' : '';
    return `<sip:src@${hostPort(this.local)}${proto}>`;
  }

  /**
   * Where an in-dialog request goes: the first route or the remote target when it is an IP
   * literal (callguard's Contact is), else callguard's address as given. Over TCP the one
   * connection carries everything anyway.
   */
  private nextHop(d: DialogState): HostPort {
    const first = d.routes[0];
    const uri = first !== undefined ? (parseNameAddr(first)?.uri ?? '') : d.remoteTarget;
    const parts = parseSipUri(uri);
    const host = parts ? parts.host.replace(/^\[|\]$/g, '') : '';
    if (parts && net.isIP(host)) return { address: host, port: parts.port ?? 5060 };
    return this.opts.target;
  }

  private startTransaction(branch: string, method: string, data: Buffer, dest: HostPort): Promise<SipResponse> {
    return new Promise<SipResponse>((resolve, reject) => {
      const tx: ClientTransaction = {
        branch,
        method,
        data,
        dest,
        interval: this.t1,
        retransmit: null,
        // RFC 3261 §17.1.1.2 Timer B / §17.1.2.2 Timer F: 64*T1 without a final response.
        timeout: setTimeout(() => {
          this.endTransaction(tx);
          reject(new SimulateError('SIMULATE_SIP_TIMEOUT', `no final response to ${method} within ${(64 * this.t1) / 1000} s`));
        }, 64 * this.t1),
        seen: new Set(),
        resolve,
        reject,
      };
      this.transactions.set(branch, tx);
      this.transport.send(data, dest);
      this.opts.onRequestSent?.(method);
      if (this.transport.kind === 'udp') this.scheduleRetransmit(tx);
    });
  }

  /** RFC 3261 §17.1.1.2 Timer A / §17.1.2.2 Timer E: T1, doubling (non-INVITE capped at T2). */
  private scheduleRetransmit(tx: ClientTransaction): void {
    tx.retransmit = setTimeout(() => {
      if (!this.transactions.has(tx.branch)) return;
      this.transport.send(tx.data, tx.dest);
      tx.interval = tx.method === 'INVITE' ? tx.interval * 2 : Math.min(tx.interval * 2, this.t2);
      this.scheduleRetransmit(tx);
    }, tx.interval);
  }

  private endTransaction(tx: ClientTransaction): void {
    if (tx.retransmit) clearTimeout(tx.retransmit);
    clearTimeout(tx.timeout);
    this.transactions.delete(tx.branch);
  }

  // ---- receiving ----

  private onMessage(msg: SipRequest | SipResponse, from: HostPort): void {
    if (msg.kind === 'response') this.onResponse(msg);
    else this.onRequest(msg, from);
  }

  private onResponse(res: SipResponse): void {
    const branch = parseVia(res.headers.list('via')[0] ?? '')?.branch;
    if (!branch) return;
    const tx = this.transactions.get(branch);
    if (!tx) {
      // A final response after the transaction ended: callguard did not see our ACK.
      const ack = this.acks.get(branch);
      if (ack && res.status >= 200) this.transport.send(ack.data, ack.dest);
      return;
    }
    if (!tx.seen.has(res.status)) {
      tx.seen.add(res.status);
      this.responses.push({ method: tx.method, code: res.status });
      this.opts.onResponse?.(tx.method, res.status, res.reason);
    }
    if (res.status < 200) {
      if (tx.method === 'INVITE') {
        // RFC 3261 §17.1.1.2: a provisional response stops INVITE retransmissions.
        if (tx.retransmit) clearTimeout(tx.retransmit);
        tx.retransmit = null;
      } else if (tx.retransmit && tx.interval < this.t2) {
        // §17.1.2.2 Proceeding: keep retransmitting, at T2.
        clearTimeout(tx.retransmit);
        tx.interval = this.t2;
        this.scheduleRetransmit(tx);
      }
      return;
    }
    this.endTransaction(tx);
    tx.resolve(res);
  }

  private onRequest(req: SipRequest, from: HostPort): void {
    if (req.method === 'ACK') return;
    const h = req.headers;
    const to = parseNameAddr(h.get('to') ?? '');
    const ours = h.get('call-id') === this.callId && to?.tag === this.localTag;
    let status = 200;
    const headers: HeaderPair[] = [];
    if (!ours) status = 481;
    else if (req.method === 'BYE') {
      // Answer every copy (a retransmitted BYE means our 200 was lost); report the first.
      if (!this.byeReceived) {
        this.byeReceived = true;
        queueMicrotask(() => this.opts.onBye?.());
      }
    } else if (req.method === 'UPDATE' || req.method === 'OPTIONS') {
      // callguard refreshes only when it is the refresher (we ask for uac); answer in kind (RFC 4028 §9).
      const se = h.get('session-expires');
      if (se) headers.push(['Session-Expires', se], ['Require', 'timer']);
      headers.push(['Allow', ALLOW]);
    } else {
      status = 405;
      headers.push(['Allow', ALLOW]);
    }
    const toValue = h.get('to') ?? '';
    const data = buildResponse(
      {
        vias: h.list('via'),
        from: h.get('from') ?? '',
        to: toValue,
        toHasTag: to?.tag !== undefined,
        callId: h.get('call-id') ?? '',
        cseq: h.get('cseq') ?? '',
      },
      status,
      reasonPhrase(status),
      { headers, toTag: this.localTag, body: EMPTY_BODY },
    );
    this.transport.send(data, from);
  }

  private onTransportError(err: Error): void {
    if (this.closing) return;
    const e = err instanceof SimulateError ? err : new SimulateError('SIMULATE_TRANSPORT', `SIP transport failed: ${err.message}`, 1, { cause: err });
    this.failAll(e);
    this.opts.onTransportError?.(e);
  }

  private failAll(err: Error): void {
    this.failed ??= err;
    for (const tx of [...this.transactions.values()]) {
      this.endTransaction(tx);
      tx.reject(err);
    }
  }
}

function hostPort(hp: HostPort): string {
  return `${net.isIPv6(hp.address) ? `[${hp.address}]` : hp.address}:${hp.port}`;
}

/** RFC 3261 §12.1.2: the dialog as the UAC sees it from the 2xx. */
function dialogFrom(res: SipResponse, target: HostPort): DialogState {
  const contact = parseNameAddr(res.headers.list('contact')[0] ?? '');
  return {
    remoteTo: res.headers.get('to') ?? '',
    remoteTarget: contact?.uri ?? `sip:${hostPort(target)}`,
    // The UAC's route set is the Record-Route of the 2xx, reversed.
    routes: [...res.headers.list('record-route')].reverse(),
  };
}

/** RFC 3261 §12.2.1.2: a 2xx to a re-INVITE may move the remote target. */
function refreshTarget(d: DialogState, res: SipResponse): void {
  const contact = parseNameAddr(res.headers.list('contact')[0] ?? '');
  if (contact) d.remoteTarget = contact.uri;
}
