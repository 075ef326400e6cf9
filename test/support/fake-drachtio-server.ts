/**
 * A fake drachtio-server for testing drachtio-srf applications without the C++ daemon (which is
 * not installable here). It listens on 127.0.0.1 for the application's inbound connection and
 * speaks drachtio's wire protocol as drachtio-srf 5.0 reads it (lib/wire-protocol.js,
 * lib/drachtio-agent.js): frames `<utf8 byte length>#<payload>`, payload `msgId|type|tokens…`
 * optionally followed by CRLF and a SIP message.
 *
 * App → server: `authenticate|secret|tags` (OK with our SIP addresses and version, or NOK and the
 * connection closed), `route|invite`, `ping`, and `sip|txnId|dialogId` + message: a response to
 * one of our server transactions, or an in-dialog request. Each `sip` is acknowledged with
 * `response|msgId|OK|application|bytes|udp|addr|port|time|txnId|dialogId||Msg sent:|` plus the
 * message as it went out (Via, To tag, Contact, Content-Length added), or NOK with the reason the
 * real server gives.
 *
 * Server → app: `uuid|sip|network|bytes|udp|addr|port|time|txnId|dialogId|` + message, where the
 * dialogId is `<Call-ID>;from-tag=<SRC tag>`. A new INVITE carries no dialogId but the address it
 * came in on (`txnId||addr|port|`), as drachtio-server's sendSipMessageToClient does.
 *
 * The SRC side ("the network") is driven by the test: send() hands over a request as an SRC would
 * send it; what drachtio-server would put on the network (its own 100 Trying, 200 to CANCEL, 487,
 * 481, and every response and request of the application) is queued for next()/response()/
 * request(). Like drachtio-server it sends 100 Trying itself, answers CANCEL with 200 + 487 and
 * tells the application, answers 481 for unknown dialogs, absorbs the ACK of a non-2xx, and can
 * send the BYE drachtio-server sends by itself (ACK timeout, session timer) with byeFromServer().
 * It does not retransmit or run timers: it records the Session-Expires it would arm (armedTimers).
 */
import net from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';

const CRLF = '\r\n';
/** The address drachtio-server "listens" on for SIP, as it reports on authentication. */
const SIP_HOST = '127.0.0.1';
const SIP_PORT = 5060;

export interface NetMessage {
  startLine: string;
  status?: number;
  method?: string;
  headers: Array<[string, string]>;
  body: Buffer;
  raw: Buffer;
  /** First value of a header (full lower-case name). */
  header(name: string): string | undefined;
  headerAll(name: string): string[];
  /** For a request the application sent: drachtio's transaction id, for replyToApp(). */
  txnId?: string;
}

/**
 * Parses one SIP message. `useContentLength` false takes everything after the header section as
 * the body, as drachtio-server does with what the application sends (drachtio-srf writes a
 * Content-Length counted in characters).
 */
export function parseSip(raw: Buffer, useContentLength = true): NetMessage {
  const sep = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, sep < 0 ? raw.length : sep).toString('utf8');
  let body = sep < 0 ? Buffer.alloc(0) : raw.subarray(sep + 4);
  const lines = head.split('\r\n');
  const headers: Array<[string, string]> = [];
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.push([line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim()]);
  }
  const cl = headers.find(([n]) => n === 'content-length' || n === 'l')?.[1];
  if (useContentLength && cl !== undefined && Number(cl) <= body.length) body = body.subarray(0, Number(cl));
  const startLine = lines[0] ?? '';
  const msg: NetMessage = {
    startLine,
    headers,
    body,
    raw,
    header: (name) => headers.find(([n]) => n === name.toLowerCase())?.[1],
    headerAll: (name) => headers.filter(([n]) => n === name.toLowerCase()).map(([, v]) => v),
  };
  const m = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  if (m) msg.status = Number(m[1]);
  else msg.method = startLine.split(' ')[0];
  return msg;
}

function tagOf(value: string | undefined): string | undefined {
  return value ? /;\s*tag=([^;>\s]+)/i.exec(value)?.[1] : undefined;
}

function uriOf(value: string | undefined): string {
  if (!value) return '';
  const m = /<([^>]+)>/.exec(value);
  return m?.[1] ?? value.split(';')[0] ?? '';
}

function branchOf(via: string | undefined): string {
  return via ? (/;\s*branch=([^;\s]+)/i.exec(via)?.[1] ?? '') : '';
}

/** Transport, address and port from a Via's sent-by: where the request came from. */
function sentBy(via: string | undefined): { proto: string; address: string; port: number } {
  const m = /^SIP\/2\.0\/([A-Z]+)\s+([^;:\s]+)(?::(\d+))?/i.exec(via ?? '');
  return { proto: (m?.[1] ?? 'UDP').toLowerCase(), address: m?.[2] ?? '127.0.0.1', port: Number(m?.[3] ?? 5060) };
}

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function stackTime(): string {
  return new Date().toISOString().slice(11, 23);
}

function serialize(startLine: string, headers: Array<[string, string]>, body: Buffer): Buffer {
  const lines = [startLine, ...headers.filter(([n]) => n !== 'content-length' && n !== 'l').map(([n, v]) => `${n}: ${v}`), `Content-Length: ${body.length}`];
  return Buffer.concat([Buffer.from(`${lines.join(CRLF)}${CRLF}${CRLF}`), body]);
}

const REASONS: Record<number, string> = { 100: 'Trying', 200: 'OK', 481: 'Call/Transaction Does Not Exist', 487: 'Request Terminated', 503: 'Service Unavailable' };

/** A request drachtio-server received from the network and handed to the application. */
interface ServerTransaction {
  request: NetMessage;
  method: string;
  /** Our To tag, for an initial INVITE (nta_incoming_tag). */
  localTag?: string;
  dialogId: string;
  final?: number;
}

interface FakeDialog {
  id: string;
  callId: string;
  localTag: string;
  /** name-addr values of the INVITE, without tags: From is the SRC, To is us. */
  remote: string;
  local: string;
  remoteTag: string;
  remoteTarget: string;
  localCSeq: number;
  source: { proto: string; address: string; port: number };
}

export interface FakeDrachtioOptions {
  secret: string;
  /** What authentication reports (drachtio-srf pings servers from v0.8.2 on). */
  serverVersion?: string;
  /**
   * Hold writes to the application until the event loop turns and send them as one chunk, so that
   * e.g. the acknowledgement of a 200 and an ACK and BYE right behind it are read together, as a
   * busy drachtio-server's would be.
   */
  coalesceWrites?: boolean;
}

type Matcher = (m: NetMessage) => boolean;

export class FakeDrachtioServer {
  /** Every frame the application sent, as `type|tokens…` (msgId removed). */
  readonly fromApp: string[] = [];
  /** Everything put on the network, in order. */
  readonly network: NetMessage[] = [];
  /** Session-Expires values of the 200s to INVITEs, by Call-ID: the timers drachtio-server would arm. */
  readonly armedTimers = new Map<string, string>();
  /** Authentications accepted so far. */
  authenticated = 0;
  private readonly server: net.Server;
  private app: net.Socket | null = null;
  private readonly sockets = new Set<net.Socket>();
  private readonly txns = new Map<string, ServerTransaction>();
  private readonly dialogs = new Map<string, FakeDialog>();
  private readonly queue: NetMessage[] = [];
  private waiters: Array<{ match: Matcher; resolve: (m: NetMessage) => void }> = [];
  private readyWaiters: Array<{ count: number; resolve: () => void }> = [];
  private routed = false;
  private readonly outbox = new Map<net.Socket, Buffer[]>();
  /** dropBeforeAcknowledging(): the status whose next response from the application cuts the connection. */
  private dropOnResponse: number | null = null;

  private constructor(private readonly opts: FakeDrachtioOptions) {
    this.server = net.createServer((socket) => this.onConnection(socket));
  }

  static async start(opts: FakeDrachtioOptions, port = 0): Promise<FakeDrachtioServer> {
    const fake = new FakeDrachtioServer(opts);
    await new Promise<void>((resolve, reject) => {
      fake.server.once('error', reject);
      fake.server.listen(port, '127.0.0.1', () => resolve());
    });
    return fake;
  }

  get port(): number {
    const a = this.server.address();
    return typeof a === 'object' && a ? a.port : 0;
  }

  /** An authenticated application connection is up. */
  get appConnected(): boolean {
    return this.app !== null && !this.app.destroyed;
  }

  /** Resolves once `count` authentications happened and the application registered for INVITEs. */
  async ready(count = 1, timeoutMs = 5000): Promise<void> {
    if (this.authenticated >= count && this.routed) return;
    await new Promise<void>((resolve, reject) => {
      const w = {
        count,
        resolve: () => {
          clearTimeout(t);
          resolve();
        },
      };
      const t = setTimeout(() => {
        this.readyWaiters = this.readyWaiters.filter((x) => x !== w);
        reject(new Error(`no application ready (authenticated ${this.authenticated}, wanted ${count})`));
      }, timeoutMs);
      this.readyWaiters.push(w);
    });
  }

  /** Drops the application's connection, as a drachtio-server restart or a network cut would. */
  dropConnection(): void {
    this.app?.destroy();
    this.app = null;
    this.routed = false;
  }

  /**
   * The next response with this status the application sends goes out on the network, but the
   * connection drops before drachtio-server acknowledges it (drachtio-srf never hears back).
   */
  dropBeforeAcknowledging(status: number): void {
    this.dropOnResponse = status;
  }

  /** Stops accepting connections (a later start on the same port brings it back). */
  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- the network side, driven by the test ----

  /** A request from the SRC, as it arrived on drachtio-server's SIP port. */
  send(data: Buffer | string): void {
    const req = parseSip(Buffer.isBuffer(data) ? data : Buffer.from(data));
    const method = req.method ?? '';
    const callId = req.header('call-id') ?? '';
    const fromTag = tagOf(req.header('from')) ?? '';
    const dialogId = `${callId};from-tag=${fromTag}`;
    if (method === 'CANCEL') {
      this.onNetworkCancel(req, dialogId);
      return;
    }
    if (method === 'ACK') {
      // sofia absorbs the ACK of a non-2xx (same branch as the INVITE); a 2xx's ACK goes up.
      const inviteTx = [...this.txns.values()].find((t) => t.method === 'INVITE' && branchOf(t.request.header('via')) === branchOf(req.header('via')));
      if (inviteTx && (inviteTx.final ?? 0) >= 300) return;
      if (this.dialogs.has(dialogId)) this.toApp('network', req, randomUUID(), dialogId);
      return;
    }
    const inDialog = tagOf(req.header('to')) !== undefined;
    if (inDialog && !this.dialogs.has(dialogId)) {
      this.toNetwork(this.buildResponse(req, 481));
      return;
    }
    if (!this.app || !this.routed) {
      this.toNetwork(this.buildResponse(req, 503));
      return;
    }
    const txnId = randomUUID();
    const tx: ServerTransaction = { request: req, method, dialogId };
    if (method === 'INVITE' && !inDialog) tx.localTag = hex(8);
    this.txns.set(txnId, tx);
    if (method === 'INVITE') this.toNetwork(this.buildResponse(req, 100));
    if (inDialog) this.toApp('network', req, txnId, dialogId);
    else this.toApp('network', req, txnId, '', `${SIP_HOST}|${SIP_PORT}|`);
  }

  /** The SRC answers a request the application sent (BYE, UPDATE). */
  replyToApp(req: NetMessage, status: number, reason = REASONS[status] ?? 'OK'): void {
    if (!req.txnId) throw new Error('not a request from the application');
    this.toApp('network', this.buildResponse(req, status, reason), req.txnId, '');
  }

  /** drachtio-server ends a dialog by itself (ACK timeout, session timer) and tells the application. */
  byeFromServer(callId: string, reasonText: string): void {
    const dialog = [...this.dialogs.values()].find((d) => d.callId === callId);
    if (!dialog) throw new Error(`no dialog for ${callId}`);
    const bye = this.inDialogRequest(dialog, 'BYE', [['Reason', `SIP ;cause=200 ;text="${reasonText}"`]], Buffer.alloc(0));
    this.toNetwork(bye);
    this.dialogs.delete(dialog.id);
    this.toApp('application', bye, 'unsolicited', dialog.id);
  }

  /** The next network message matching (already queued or still to come). */
  next(match: Matcher = () => true, timeoutMs = 3000): Promise<NetMessage> {
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as NetMessage);
    return new Promise((resolve, reject) => {
      const waiter = {
        match,
        resolve: (m: NetMessage) => {
          clearTimeout(timer);
          resolve(m);
        },
      };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`timed out waiting on the network; saw: ${this.network.map((m) => m.startLine).join(' | ')}`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Next network response with this status (and CSeq method, or "number method"). */
  response(status: number, method?: string, timeoutMs?: number): Promise<NetMessage> {
    return this.next((m) => m.status === status && (!method || ` ${m.header('cseq') ?? ''}`.endsWith(` ${method}`)), timeoutMs);
  }

  /** Next request the application sent to the network. */
  request(method: string, timeoutMs?: number): Promise<NetMessage> {
    return this.next((m) => m.method === method, timeoutMs);
  }

  // ---- wire protocol ----

  private onConnection(socket: net.Socket): void {
    this.sockets.add(socket);
    let buf = Buffer.alloc(0);
    let authed = false;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (this.app === socket) {
        this.app = null;
        this.routed = false;
      }
    });
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      for (;;) {
        const hash = buf.indexOf('#');
        if (hash <= 0) return;
        const len = Number(buf.subarray(0, hash).toString());
        if (!Number.isInteger(len) || len <= 0) {
          socket.destroy();
          return;
        }
        if (buf.length < hash + 1 + len) return;
        const payload = buf.subarray(hash + 1, hash + 1 + len).toString('utf8');
        buf = buf.subarray(hash + 1 + len);
        authed = this.onFrame(socket, payload, authed);
      }
    });
  }

  /** Handles one frame from the application; returns whether the connection is authenticated. */
  private onFrame(socket: net.Socket, payload: string, authed: boolean): boolean {
    const crlf = payload.indexOf(CRLF);
    const leader = crlf < 0 ? payload : payload.slice(0, crlf);
    const sip = crlf < 0 ? undefined : payload.slice(crlf + 2);
    const [msgId = '', type = '', ...tokens] = leader.split('|');
    this.fromApp.push([type, ...tokens].join('|'));
    const reply = (rest: string, body?: string): void => this.write(socket, `${randomUUID()}|response|${msgId}|${rest}${body === undefined ? '' : CRLF + body}`);
    if (type === 'authenticate') {
      if (tokens[0] !== this.opts.secret) {
        reply('NOK|authentication failed');
        // drachtio-server hangs up on a wrong secret.
        socket.end();
        return false;
      }
      this.app = socket;
      this.authenticated++;
      reply(`OK|udp/${SIP_HOST}:${SIP_PORT},tcp/${SIP_HOST}:${SIP_PORT}|${this.opts.serverVersion ?? 'v0.9.2-fake'}|udp/${SIP_HOST}:${SIP_PORT},tcp/${SIP_HOST}:${SIP_PORT}`);
      return true;
    }
    if (!authed) {
      reply('NOK|not authenticated');
      return false;
    }
    switch (type) {
      case 'route':
        if (tokens[0] === 'invite') {
          this.routed = true;
          for (const w of this.readyWaiters.filter((x) => this.authenticated >= x.count)) w.resolve();
          this.readyWaiters = this.readyWaiters.filter((x) => this.authenticated < x.count);
        }
        reply('OK');
        return true;
      case 'ping':
        reply('OK|pong');
        return true;
      case 'sip':
        this.onAppSip(tokens[0] ?? '', tokens[1] ?? '', sip ?? '', reply);
        return true;
      default:
        reply(`NOK|unknown message type ${type}`);
        return true;
    }
  }

  private onAppSip(txnId: string, dialogId: string, text: string, reply: (rest: string, body?: string) => void): void {
    const msg = parseSip(Buffer.from(text, 'utf8'), false);
    const ok = (out: NetMessage, tx: string, dlg: string): void =>
      reply(`OK|application|${out.raw.length}|udp|${SIP_HOST}|${SIP_PORT}|${stackTime()}|${tx}|${dlg}||Msg sent:|`, out.raw.toString('utf8'));
    if (msg.status !== undefined) {
      const tx = this.txns.get(txnId);
      if (!tx || tx.final !== undefined) {
        reply('NOK|Response not sent due to unknown transaction');
        return;
      }
      const out = this.networkResponse(tx, msg);
      if (msg.status >= 200) {
        tx.final = msg.status;
        if (tx.method !== 'INVITE' || msg.status >= 300) this.txns.delete(txnId);
        if (tx.method === 'BYE') this.dialogs.delete(tx.dialogId);
        if (tx.localTag && msg.status < 300) {
          this.addDialog(tx, out);
          this.armedTimers.set(tx.request.header('call-id') ?? '', out.header('session-expires') ?? '');
        }
      }
      // The acknowledgement names the dialog (for a 2xx to a new INVITE: the one just made).
      const dlg = tx.dialogId;
      this.toNetwork(out);
      if (this.dropOnResponse === msg.status) {
        this.dropOnResponse = null;
        this.dropConnection();
        return;
      }
      ok(out, txnId, dlg);
      return;
    }
    const dialog = dialogId ? this.dialogs.get(dialogId) : undefined;
    if (!dialog) {
      reply(dialogId ? 'NOK|unable to find dialog for dialog id provided' : 'NOK|the fake sends no requests outside a dialog');
      return;
    }
    const keep = msg.headers.filter(([n]) => !['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'max-forwards', 'content-length', 'l'].includes(n));
    const out = this.inDialogRequest(dialog, msg.method ?? '', keep, msg.body, msg.startLine.split(' ')[1]);
    out.txnId = randomUUID();
    if (out.method === 'BYE') this.dialogs.delete(dialog.id);
    this.toNetwork(out);
    ok(out, out.txnId, dialog.id);
  }

  /** The application's response as drachtio-server sends it: the request's Via, our To tag, a Contact on 2xx to INVITE. */
  private networkResponse(tx: ServerTransaction, appMsg: NetMessage): NetMessage {
    const req = tx.request;
    const status = appMsg.status ?? 500;
    let to = req.header('to') ?? '';
    if (tx.localTag && status > 100 && !tagOf(to)) to = `${to};tag=${tx.localTag}`;
    const headers: Array<[string, string]> = [
      ...req.headerAll('via').map((v): [string, string] => ['Via', v]),
      ['From', req.header('from') ?? ''],
      ['To', to],
      ['Call-ID', req.header('call-id') ?? ''],
      ['CSeq', req.header('cseq') ?? ''],
    ];
    const skip = new Set(['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq', 'content-length', 'l']);
    for (const [n, v] of appMsg.headers) if (!skip.has(n)) headers.push([n, v]);
    if (tx.method === 'INVITE' && status >= 200 && status < 300 && !appMsg.header('contact')) {
      headers.push(['Contact', `<sip:${SIP_HOST}:${SIP_PORT};transport=udp>`]);
    }
    return parseSip(serialize(appMsg.startLine, headers, appMsg.body));
  }

  private buildResponse(req: NetMessage, status: number, reason = REASONS[status] ?? 'OK', toTag?: string): NetMessage {
    const tag = toTag ?? [...this.txns.values()].find((t) => t.request === req)?.localTag;
    let to = req.header('to') ?? '';
    if (tag && status > 100 && !tagOf(to)) to = `${to};tag=${tag}`;
    const headers: Array<[string, string]> = [
      ...req.headerAll('via').map((v): [string, string] => ['Via', v]),
      ['From', req.header('from') ?? ''],
      ['To', to],
      ['Call-ID', req.header('call-id') ?? ''],
      ['CSeq', req.header('cseq') ?? ''],
    ];
    return parseSip(serialize(`SIP/2.0 ${status} ${reason}`, headers, Buffer.alloc(0)));
  }

  private addDialog(tx: ServerTransaction, ok: NetMessage): void {
    const req = tx.request;
    const strip = (v: string | undefined): string => (v ?? '').replace(/;\s*tag=[^;>\s]+/i, '');
    this.dialogs.set(tx.dialogId, {
      id: tx.dialogId,
      callId: req.header('call-id') ?? '',
      localTag: tagOf(ok.header('to')) ?? tx.localTag ?? '',
      remote: strip(req.header('from')),
      local: strip(req.header('to')),
      remoteTag: tagOf(req.header('from')) ?? '',
      remoteTarget: uriOf(req.header('contact')),
      localCSeq: 0,
      source: sentBy(req.header('via')),
    });
  }

  /** A request inside a dialog, as drachtio-server builds it from the dialog's state (RFC 3261 §12.2.1.1). */
  private inDialogRequest(d: FakeDialog, method: string, extra: Array<[string, string]>, body: Buffer, uri?: string): NetMessage {
    const target = !uri || uri.includes('placeholder') ? d.remoteTarget : uri;
    const headers: Array<[string, string]> = [
      ['Via', `SIP/2.0/UDP ${SIP_HOST}:${SIP_PORT};branch=z9hG4bK${hex(8)}`],
      ['Max-Forwards', '70'],
      ['From', `${d.local};tag=${d.localTag}`],
      ['To', `${d.remote};tag=${d.remoteTag}`],
      ['Call-ID', d.callId],
      ['CSeq', `${++d.localCSeq} ${method}`],
      ...extra,
    ];
    return parseSip(serialize(`${method} ${target} SIP/2.0`, headers, body));
  }

  private onNetworkCancel(cancel: NetMessage, dialogId: string): void {
    const branch = branchOf(cancel.header('via'));
    const entry = [...this.txns.entries()].find(([, t]) => t.method === 'INVITE' && t.localTag && branchOf(t.request.header('via')) === branch);
    if (!entry) {
      this.toNetwork(this.buildResponse(cancel, 481));
      return;
    }
    const [txnId, tx] = entry;
    // RFC 3261 §9.2: the 200 to the CANCEL carries the To tag of the INVITE's responses.
    this.toNetwork(this.buildResponse(cancel, 200, 'OK', tx.localTag));
    if (tx.final !== undefined) return;
    // sofia answers the INVITE itself; the application is only told.
    this.toNetwork(this.buildResponse(tx.request, 487));
    tx.final = 487;
    this.txns.delete(txnId);
    this.toApp('network', cancel, txnId, dialogId);
  }

  private toApp(source: 'network' | 'application', msg: NetMessage, txnId: string, dialogId: string, trailer = ''): void {
    if (!this.app) return;
    const from = source === 'network' ? sentBy(msg.header('via')) : { proto: 'udp', address: SIP_HOST, port: SIP_PORT };
    const leader = `${randomUUID()}|sip|${source}|${msg.raw.length}|${from.proto}|${from.address}|${from.port}|${stackTime()}|${txnId}|${dialogId}|${trailer}`;
    // The message's own bytes, as drachtio-server relays them (not re-encoded: drachtio-srf decodes).
    this.write(this.app, Buffer.concat([Buffer.from(`${leader}${CRLF}`), msg.raw]));
  }

  private toNetwork(msg: NetMessage): void {
    this.network.push(msg);
    const i = this.waiters.findIndex((w) => w.match(msg));
    if (i >= 0) this.waiters.splice(i, 1)[0]?.resolve(msg);
    else this.queue.push(msg);
  }

  private write(socket: net.Socket, payload: string | Buffer): void {
    const bytes = Buffer.isBuffer(payload) ? payload : Buffer.from(payload, 'utf8');
    const frame = Buffer.concat([Buffer.from(`${bytes.length}#`), bytes]);
    if (!this.opts.coalesceWrites) {
      if (!socket.destroyed) socket.write(frame);
      return;
    }
    const pending = this.outbox.get(socket);
    if (pending) {
      pending.push(frame);
      return;
    }
    this.outbox.set(socket, [frame]);
    setImmediate(() => {
      const frames = this.outbox.get(socket) ?? [];
      this.outbox.delete(socket);
      if (!socket.destroyed) socket.write(Buffer.concat(frames));
    });
  }
}
