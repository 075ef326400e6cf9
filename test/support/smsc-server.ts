/**
 * A scriptable SMSC on 127.0.0.1 built from the `smpp` package's server side, for driving the real
 * SMPP provider (and, through it, the alert queue and e2e flows).
 *
 *   const smsc = await new TestSmsc().start();          // port 0 → a free port; smsc.url
 *   const provider = new SmppSmsProvider({ url: smsc.url, systemId: smsc.systemId, password: smsc.password, … });
 *   await provider.start();
 *   await provider.send(…);
 *   smsc.submits / smsc.messages()                      // what arrived (decoded, UDH parsed, reassembled)
 *   await smsc.sendReceipt(smsc.submits[0].messageId);   // deliver_sm receipt back to the ESME
 *   smsc.throttle(); smsc.failNext(0x0b); smsc.ignoreNext(); smsc.delay(200); smsc.rejectBinds();
 *   await smsc.restart();                               // sessions dropped, same port, binds again
 *   await smsc.stop();
 *
 * Binds: bind_transceiver/transmitter/receiver answered OK when system_id/password match (else
 * ESME_RINVPASWD), or with `rejectBinds(status)` until `acceptBinds()`. enquire_link and unbind are answered and counted.
 * Message ids are `smsc-<n>` unless `messageIdFor` says otherwise.
 */
import type { AddressInfo } from 'node:net';
import smpp from 'smpp';
import { concatInfo, readMessageContent } from '../../src/alerts/providers/smpp/short-message.js';
import { encodingOf as encodingFor, splitForSms } from '../../src/alerts/sms/index.js';

export const ESME = {
  ROK: 0x00,
  RSYSERR: 0x08,
  RINVSRCADR: 0x0a,
  RINVDSTADR: 0x0b,
  RBINDFAIL: 0x0d,
  RINVPASWD: 0x0e,
  RMSGQFUL: 0x14,
  RTHROTTLED: 0x58,
} as const;

export interface ReceivedSubmit {
  /** Order of arrival, from 1. */
  n: number;
  messageId: string;
  /** As the ESME sent them (no '+' added). */
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destinationAddr: string;
  destTon: number;
  destNpi: number;
  esmClass: number;
  registeredDelivery: number;
  dataCoding: number;
  /** The UDH exactly as sent (length octet included), when esm_class has UDHI. */
  udh?: Buffer;
  concat?: { ref: number; total: number; part: number };
  /** This part's text as the package decodes it for data_coding 0 (GSM 03.38) or 8 (UCS-2). */
  text: string;
  /** The status this SMSC answered with (0 = accepted). */
  status: number;
}

export interface ReassembledMessage {
  to: string;
  from: string;
  text: string;
  dataCoding: number;
  messageIds: string[];
  parts: number;
}

export interface BindRecord {
  command: string;
  systemId: string;
  password: string;
  systemType: string;
  interfaceVersion: number;
}

type SubmitAction = { kind: 'status'; status: number } | { kind: 'ignore' };

export interface ReceiptOptions {
  /** Default DELIVRD. */
  stat?: 'DELIVRD' | 'EXPIRED' | 'DELETED' | 'UNDELIV' | 'ACCEPTD' | 'UNKNOWN' | 'REJECTD' | 'ENROUTE';
  err?: string;
  /** 'text' = only the Appendix B text; 'tlv' = only receipted_message_id/message_state; default both. */
  format?: 'text' | 'tlv' | 'both';
  /** Defaults to the submit's addresses when the id is known. */
  from?: string;
  to?: string;
}

export interface InboundOptions {
  /** The short code / sender id the subscriber replied to. Default 'CallGuard'. */
  to?: string;
  /** Force a coding; default GSM (0) when representable, else UCS-2 (8). */
  dataCoding?: 0 | 8;
  /** Send as a concatenated message split into this many segments or per SMS rules when 'auto'. */
  parts?: number | 'auto';
}

const STATES: Record<NonNullable<ReceiptOptions['stat']>, number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

export class TestSmsc {
  readonly submits: ReceivedSubmit[] = [];
  readonly binds: BindRecord[] = [];
  enquireLinks = 0;
  unbinds = 0;
  /** deliver_sm_resp statuses received, in order. */
  readonly deliverResponses: number[] = [];
  /** Called for each accepted submit to name its message id. */
  messageIdFor: (submit: Omit<ReceivedSubmit, 'messageId' | 'status'>) => string = (s) => `smsc-${s.n}`;

  private server: smpp.Server | undefined;
  private listeningPort = 0;
  private readonly sessions = new Set<smpp.Session>();
  private readonly boundSessions = new Set<smpp.Session>();
  private readonly actions: SubmitAction[] = [];
  private submitDelayMs = 0;
  private bindStatus: number | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private nextRef = 1;

  constructor(
    readonly systemId = 'callguard',
    readonly password = 'secret',
  ) {}

  get port(): number {
    return this.listeningPort;
  }

  get url(): string {
    return `smpp://127.0.0.1:${this.listeningPort}`;
  }

  /** Sessions currently bound. */
  get boundCount(): number {
    return this.boundSessions.size;
  }

  /** Listens on 127.0.0.1:`port` (0 = any free port; restart() reuses the first one). */
  async start(port = this.listeningPort): Promise<this> {
    if (this.server) return this;
    const server = smpp.createServer((session) => this.onSession(session));
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.listeningPort = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Drops every session without unbinding (as a crashing SMSC would) and stops listening. */
  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const server = this.server;
    this.server = undefined;
    this.dropSessions();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** stop() then start() on the same port. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start(this.listeningPort);
  }

  /** Destroys the TCP connections but keeps listening: a network blip. */
  dropSessions(): void {
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
    this.boundSessions.clear();
  }

  // ---- behaviour ----------------------------------------------------------------------------

  /** Answer the next `times` submit_sm with `status`. */
  failNext(status: number, times = 1): this {
    for (let i = 0; i < times; i++) this.actions.push({ kind: 'status', status });
    return this;
  }

  /** Answer the next `times` submit_sm with ESME_RTHROTTLED. */
  throttle(times = 1): this {
    return this.failNext(ESME.RTHROTTLED, times);
  }

  /** Never answer the next `times` submit_sm (the ESME's timeout fires). */
  ignoreNext(times = 1): this {
    for (let i = 0; i < times; i++) this.actions.push({ kind: 'ignore' });
    return this;
  }

  /** Delay every submit_sm_resp by `ms` (0 = answer at once). */
  delay(ms: number): this {
    this.submitDelayMs = ms;
    return this;
  }

  /** Answer every bind with `status` until acceptBinds(). */
  rejectBinds(status: number = ESME.RBINDFAIL): this {
    this.bindStatus = status;
    return this;
  }

  /** Back to checking credentials (after rejectBinds). */
  acceptBinds(): this {
    this.bindStatus = undefined;
    return this;
  }

  // ---- what arrived -------------------------------------------------------------------------

  /** Accepted submits grouped into messages: concatenated parts joined by (destination, ref), in completion order. */
  messages(): ReassembledMessage[] {
    const out: ReassembledMessage[] = [];
    const open = new Map<string, ReceivedSubmit[]>();
    for (const s of this.submits) {
      if (s.status !== ESME.ROK) continue;
      if (!s.concat || s.concat.total <= 1) {
        out.push({ to: s.destinationAddr, from: s.sourceAddr, text: s.text, dataCoding: s.dataCoding, messageIds: [s.messageId], parts: 1 });
        continue;
      }
      const key = `${s.destinationAddr}/${s.concat.ref}/${s.concat.total}`;
      const parts = open.get(key) ?? [];
      parts.push(s);
      open.set(key, parts);
      if (parts.length === s.concat.total) {
        open.delete(key);
        parts.sort((a, b) => (a.concat?.part ?? 0) - (b.concat?.part ?? 0));
        out.push({
          to: s.destinationAddr,
          from: s.sourceAddr,
          text: parts.map((p) => p.text).join(''),
          dataCoding: s.dataCoding,
          messageIds: parts.map((p) => p.messageId),
          parts: parts.length,
        });
      }
    }
    return out;
  }

  /** Resolves when `predicate` holds; rejects after `timeoutMs` (a hang guard, not a speed check). */
  async waitFor(predicate: () => boolean, what = 'condition', timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error(`TestSmsc: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  waitForBound(minBinds = 1, timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.boundSessions.size > 0 && this.binds.length >= minBinds, `${minBinds} bind(s)`, timeoutMs);
  }

  waitForSubmits(count: number, timeoutMs?: number): Promise<void> {
    return this.waitFor(() => this.submits.length >= count, `${count} submit_sm`, timeoutMs);
  }

  // ---- towards the ESME ---------------------------------------------------------------------

  /** Sends a delivery receipt deliver_sm for `messageId`; resolves with the deliver_sm_resp status. */
  sendReceipt(messageId: string, opts: ReceiptOptions = {}): Promise<number> {
    const stat = opts.stat ?? 'DELIVRD';
    const submit = this.submits.find((s) => s.messageId === messageId);
    const format = opts.format ?? 'both';
    const stamp = smppDate(new Date());
    const text =
      `id:${messageId} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} submit date:${stamp} done date:${stamp} ` +
      `stat:${stat} err:${opts.err ?? (stat === 'DELIVRD' ? '000' : '001')} text:`;
    return this.deliver({
      // A receipt travels from the handset back to the ESME: addresses swapped.
      source_addr: opts.from ?? submit?.destinationAddr ?? '',
      source_addr_ton: submit?.destTon ?? 1,
      source_addr_npi: submit?.destNpi ?? 1,
      destination_addr: opts.to ?? submit?.sourceAddr ?? '',
      esm_class: 0x04,
      data_coding: 0,
      // SMSCs write receipts in plain ASCII octets.
      short_message: format === 'tlv' ? Buffer.alloc(0) : Buffer.from(text, 'ascii'),
      ...(format === 'text' ? {} : { receipted_message_id: messageId, message_state: STATES[stat] }),
    });
  }

  /** Sends a subscriber's message to the ESME as deliver_sm; resolves with the last deliver_sm_resp status. */
  async sendInbound(from: string, text: string, opts: InboundOptions = {}): Promise<number> {
    const intl = from.startsWith('+');
    const dataCoding = opts.dataCoding ?? (encodingFor(text) === 'gsm7' ? 0 : 8);
    const base = {
      source_addr: intl ? from.slice(1) : from,
      source_addr_ton: intl ? 1 : 0,
      source_addr_npi: 1,
      destination_addr: opts.to ?? 'CallGuard',
      dest_addr_ton: 5,
      data_coding: dataCoding,
    };
    const encode = (s: string) => (dataCoding === 8 ? smpp.encodings.UCS2.encode(s) : smpp.gsmCoder.encode(s, 0));
    let parts: string[];
    if (opts.parts === 'auto') parts = splitForSms(text, dataCoding === 8 ? 'ucs2' : 'gsm7').parts;
    else if (opts.parts && opts.parts > 1) parts = chunk(text, opts.parts);
    else parts = [text];
    if (parts.length === 1) return this.deliver({ ...base, esm_class: 0, short_message: encode(text) });
    const ref = this.nextRef++ & 0xff;
    let status = 0;
    for (const [i, part] of parts.entries()) {
      const udh = Buffer.from([0x05, 0x00, 0x03, ref, parts.length, i + 1]);
      status = await this.deliver({ ...base, esm_class: 0x40, short_message: Buffer.concat([udh, encode(part)]) });
    }
    return status;
  }

  // ---- internals ----------------------------------------------------------------------------

  private deliver(fields: Record<string, unknown>): Promise<number> {
    const session = [...this.boundSessions].at(-1);
    if (!session) return Promise.reject(new Error('TestSmsc: no bound session to deliver to'));
    return new Promise<number>((resolve, reject) => {
      const sent = session.deliver_sm(fields, (resp) => {
        this.deliverResponses.push(resp.command_status);
        resolve(resp.command_status);
      });
      if (!sent) reject(new Error('TestSmsc: session not writable'));
    });
  }

  private onSession(session: smpp.Session): void {
    this.sessions.add(session);
    // Clients reset connections when tests stop them; that is not a failure of the SMSC.
    session.on('error', () => {});
    session.on('close', () => {
      this.sessions.delete(session);
      this.boundSessions.delete(session);
    });
    for (const command of ['bind_transceiver', 'bind_transmitter', 'bind_receiver']) {
      session.on(command, (pdu: smpp.PDU) => this.onBind(session, pdu));
    }
    session.on('enquire_link', (pdu: smpp.PDU) => {
      this.enquireLinks++;
      session.send(pdu.response());
    });
    session.on('unbind', (pdu: smpp.PDU) => {
      this.unbinds++;
      this.boundSessions.delete(session);
      session.send(pdu.response(), () => session.close());
    });
    session.on('submit_sm', (pdu: smpp.PDU) => this.onSubmit(session, pdu));
  }

  private onBind(session: smpp.Session, pdu: smpp.PDU): void {
    const record: BindRecord = {
      command: pdu.command,
      systemId: str(pdu.system_id),
      password: str(pdu.password),
      systemType: str(pdu.system_type),
      interfaceVersion: num(pdu.interface_version),
    };
    this.binds.push(record);
    const status =
      this.bindStatus ?? (record.systemId === this.systemId && record.password === this.password ? ESME.ROK : ESME.RINVPASWD);
    if (status !== ESME.ROK) {
      session.send(pdu.response({ command_status: status }), () => session.close());
      return;
    }
    this.boundSessions.add(session);
    session.send(pdu.response({ system_id: 'TestSmsc' }));
  }

  private onSubmit(session: smpp.Session, pdu: smpp.PDU): void {
    if (!this.boundSessions.has(session)) {
      session.send(pdu.response({ command_status: 0x04 })); // ESME_RINVBNDSTS
      return;
    }
    const content = readMessageContent(pdu);
    const esmClass = num(pdu.esm_class);
    const info = concatInfo(content.udh);
    const base: Omit<ReceivedSubmit, 'messageId' | 'status'> = {
      n: this.submits.length + 1,
      sourceAddr: str(pdu.source_addr),
      sourceTon: num(pdu.source_addr_ton),
      sourceNpi: num(pdu.source_addr_npi),
      destinationAddr: str(pdu.destination_addr),
      destTon: num(pdu.dest_addr_ton),
      destNpi: num(pdu.dest_addr_npi),
      esmClass,
      registeredDelivery: num(pdu.registered_delivery),
      dataCoding: content.dataCoding,
      ...(content.udh.length ? { udh: Buffer.concat([Buffer.from([content.udh.reduce((n, ie) => n + ie.length, 0)]), ...content.udh]) } : {}),
      ...(info ? { concat: info } : {}),
      text: content.text,
    };
    const action = this.actions.shift();
    if (action?.kind === 'ignore') {
      this.submits.push({ ...base, messageId: '', status: -1 });
      return;
    }
    const status = action?.status ?? ESME.ROK;
    const messageId = status === ESME.ROK ? this.messageIdFor(base) : '';
    this.submits.push({ ...base, messageId, status });
    const answer = () =>
      session.send(status === ESME.ROK ? pdu.response({ message_id: messageId }) : pdu.response({ command_status: status }));
    if (this.submitDelayMs <= 0) {
      answer();
      return;
    }
    const t = setTimeout(() => {
      this.timers.delete(t);
      answer();
    }, this.submitDelayMs);
    this.timers.add(t);
  }
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function num(v: unknown): number {
  return typeof v === 'number' ? v : 0;
}

function chunk(text: string, n: number): string[] {
  const chars = [...text];
  const size = Math.ceil(chars.length / n);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/** YYMMDDhhmm, the receipt's date format. */
function smppDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}`;
}
