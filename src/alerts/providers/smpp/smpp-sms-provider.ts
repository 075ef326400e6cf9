/**
 * SmsProvider over SMPP 3.4 to the operator's SMSC, using the `smpp` package's client session.
 *
 * Link: one bind_transceiver session (submits out; receipts and subscriber replies in). A TCP (and
 * TLS) connect not up within `connectTimeoutMs` is abandoned — a firewall that drops SYNs would
 * otherwise hold it for the kernel's ~2 min of retries. An enquire_link goes out every
 * `enquireLinkMs`; one left unanswered until the next tick drops the session. Any drop, connect
 * timeout or bind failure reconnects after `reconnectMs`, doubling up to `reconnectMaxMs`
 * (±20 % jitter so a fleet does not reconnect in lockstep), reset by a successful bind.
 *
 * Send: while unbound, `send` fails at once with a retryable SmsError (code SMPP_NOT_BOUND) — the
 * alert queue owns waiting and retrying, and a send must never hang on a link that is down. Text is
 * GSM-7 (data_coding 0) or UCS-2 (8) by content (short-message.ts); a long text becomes one
 * submit_sm per segment with an 8-bit concatenation UDH (esm_class 0x40), sent in order, all with
 * registered_delivery=1. At most `windowSize` submit_sm are outstanding. A segment that fails fails
 * the whole send: the retry resends every segment under a new reference, which handsets treat as a
 * new message (a duplicate half is the lesser evil compared with a lost warning). A timeout is
 * retryable too, although the SMSC may have accepted the PDU — same trade-off.
 *
 * Receive: every deliver_sm (and data_sm) is answered at once. esm_class type 0x04/0x20 is a
 * delivery receipt (delivery-receipt.ts) for onReceipt; anything else is a subscriber's message,
 * reassembled when concatenated, for onInbound.
 *
 * Logs: masked numbers, references, message ids and ESME codes; never message text.
 */
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import smpp from 'smpp';
import { maskNumber, silentLogger } from '../../../log.js';
import { SmsError, type DeliveryReceipt, type InboundSms, type SmsMessage, type SmsProvider, type SmsSendResult } from '../../types.js';
import { commandStatusError, commandStatusName } from './command-status.js';
import { ConcatAssembler } from './concat-assembler.js';
import { isReceiptEsmClass, parseDeliveryReceipt } from './delivery-receipt.js';
import { concatInfo, planShortMessages, readMessageContent } from './short-message.js';
import { SubmitWindow } from './submit-window.js';

export interface SmppSmsProviderOptions {
  /** smpp://host:2775, or ssmpp://host:3550 for TLS. */
  url: string;
  systemId: string;
  password: string;
  systemType?: string;
  /** Override the source TON/NPI derived from `from` (alphanumeric 5/0, +E.164 1/1, digits 0/1). */
  sourceTon?: number;
  sourceNpi?: number;
  /** Wait for the TCP connect (and TLS handshake) before dropping the attempt and backing off. Default 5000. */
  connectTimeoutMs?: number;
  /** enquire_link period. Default 30 000. */
  enquireLinkMs?: number;
  /** Wait for a submit_sm_resp (and for bind_transceiver_resp). Default 10 000. */
  submitTimeoutMs?: number;
  /** First reconnect delay; doubles per failed attempt. Default 1000. */
  reconnectMs?: number;
  /** Ceiling for the reconnect delay. Default 30 000. */
  reconnectMaxMs?: number;
  /** Outstanding submit_sm at most. Default 10. */
  windowSize?: number;
  /** Bound for each close() step (drain, unbind, socket close). Default 2000. */
  closeTimeoutMs?: number;
  logger?: Logger;
}

type LinkState = 'idle' | 'connecting' | 'binding' | 'bound' | 'backoff' | 'closing' | 'closed';

/** SMPP 3.4 §5.2.5 type_of_number / §5.2.6 numbering_plan_indicator values used here. */
const TON_UNKNOWN = 0;
const TON_INTERNATIONAL = 1;
const TON_ALPHANUMERIC = 5;
const NPI_UNKNOWN = 0;
const NPI_ISDN = 1;
/** SMPP 3.4: TLVs exist from interface_version 0x34; the package's default (0x50) confuses 3.4-only SMSCs. */
const INTERFACE_VERSION_34 = 0x34;

export interface SmppAddress {
  addr: string;
  ton: number;
  npi: number;
}

/** +E.164 → international/ISDN without '+'; other digits → unknown/ISDN; anything else → alphanumeric. */
export function smppAddress(value: string): SmppAddress {
  if (/^\+\d+$/.test(value)) return { addr: value.slice(1), ton: TON_INTERNATIONAL, npi: NPI_ISDN };
  if (/^\d+$/.test(value)) return { addr: value, ton: TON_UNKNOWN, npi: NPI_ISDN };
  return { addr: value, ton: TON_ALPHANUMERIC, npi: NPI_UNKNOWN };
}

function inboundNumber(addr: string, ton: number): string {
  return ton === TON_INTERNATIONAL && /^\d+$/.test(addr) ? `+${addr}` : addr;
}

const abortedError = () => new SmsError('send aborted', true, 'ABORTED');
const notBoundError = () => new SmsError('smpp not bound', true, 'SMPP_NOT_BOUND');

export class SmppSmsProvider implements SmsProvider {
  readonly name = 'smpp' as const;
  private readonly log: Logger;
  private readonly url: string;
  private readonly tls: boolean;
  private readonly connectTimeoutMs: number;
  private readonly enquireLinkMs: number;
  private readonly submitTimeoutMs: number;
  private readonly reconnectMs: number;
  private readonly reconnectMaxMs: number;
  private readonly closeTimeoutMs: number;
  private readonly window: SubmitWindow;
  private readonly assembler = new ConcatAssembler();
  private readonly receiptListeners: Array<(r: DeliveryReceipt) => void> = [];
  private readonly inboundListeners: Array<(s: InboundSms) => void> = [];
  /** Fail functions of submit_sm awaiting their resp: a dropped session fails them at once. */
  private readonly inflight = new Set<(err: SmsError) => void>();
  private drainWaiters: Array<() => void> = [];

  private state: LinkState = 'idle';
  private session: smpp.Session | undefined;
  private attempt = 0;
  private concatRef = randomInt(256);
  private reconnectTimer: NodeJS.Timeout | undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private bindTimer: NodeJS.Timeout | undefined;
  private enquireTimer: NodeJS.Timeout | undefined;
  private startPromise: Promise<void> | undefined;
  private resolveStart: (() => void) | undefined;
  private closing: Promise<void> | undefined;

  constructor(private readonly opts: SmppSmsProviderOptions) {
    let parsed: URL;
    try {
      parsed = new URL(opts.url);
    } catch {
      throw new Error('smpp: url must look like smpp://host:2775');
    }
    if (parsed.protocol !== 'smpp:' && parsed.protocol !== 'ssmpp:') throw new Error('smpp: url scheme must be smpp: or ssmpp:');
    if (!opts.systemId) throw new Error('smpp: systemId is required');
    this.url = opts.url;
    this.tls = parsed.protocol === 'ssmpp:';
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5000;
    this.enquireLinkMs = opts.enquireLinkMs ?? 30_000;
    this.submitTimeoutMs = opts.submitTimeoutMs ?? 10_000;
    this.reconnectMs = opts.reconnectMs ?? 1000;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? 30_000;
    this.closeTimeoutMs = opts.closeTimeoutMs ?? 2000;
    this.window = new SubmitWindow(opts.windowSize ?? 10);
    this.log = (opts.logger ?? silentLogger()).child({ component: 'sms', provider: 'smpp', smsc: `${parsed.hostname}:${parsed.port}` });
  }

  /** True while a bind_transceiver session is up (for health checks). */
  get bound(): boolean {
    return this.state === 'bound';
  }

  /**
   * Resolves once bound, or once the first attempt has failed and reconnecting has begun — at the
   * latest after about connectTimeoutMs + submitTimeoutMs (connect, then bind) when the SMSC is unreachable.
   */
  start(): Promise<void> {
    if (this.startPromise) return this.startPromise;
    if (this.state !== 'idle') return Promise.resolve();
    this.startPromise = new Promise<void>((resolve) => {
      this.resolveStart = resolve;
    });
    this.connect();
    return this.startPromise;
  }

  onReceipt(listener: (receipt: DeliveryReceipt) => void): void {
    this.receiptListeners.push(listener);
  }

  onInbound(listener: (sms: InboundSms) => void): void {
    this.inboundListeners.push(listener);
  }

  async send(message: SmsMessage, signal?: AbortSignal): Promise<SmsSendResult> {
    if (this.state === 'closing' || this.state === 'closed') throw new SmsError('smpp provider is closed', true, 'SMPP_CLOSED');
    if (signal?.aborted) throw abortedError();
    // A send before start() kicks the link off but still fails fast: binding takes a round trip.
    if (this.state === 'idle') void this.start();
    const session = this.session;
    if (this.state !== 'bound' || !session) throw notBoundError();

    const ctx = { to: maskNumber(message.to), reference: message.reference, callId: message.callId };
    const plan = planShortMessages(message.text, this.nextRef());
    const dest = smppAddress(message.to);
    const src = smppAddress(message.from);
    const fields = {
      source_addr_ton: this.opts.sourceTon ?? src.ton,
      source_addr_npi: this.opts.sourceNpi ?? src.npi,
      source_addr: src.addr,
      dest_addr_ton: dest.ton,
      dest_addr_npi: dest.npi,
      destination_addr: dest.addr,
      esm_class: plan.esmClass,
      registered_delivery: 1,
      data_coding: plan.dataCoding,
    };
    const messageIds: string[] = [];
    try {
      for (const shortMessage of plan.shortMessages) {
        messageIds.push(await this.submit(session, { ...fields, short_message: shortMessage }, signal));
      }
    } catch (err) {
      const e = err instanceof SmsError ? err : new SmsError('smpp submit failed', true, 'SMPP_ERROR');
      this.log.warn(
        { ...ctx, code: e.code, retryable: e.retryable, submitted: messageIds.length, segments: plan.shortMessages.length },
        'smpp send failed',
      );
      throw e;
    }
    this.log.info({ ...ctx, messageIds, segments: plan.shortMessages.length, encoding: plan.encoding }, 'smpp sms submitted');
    return { messageIds, segments: plan.shortMessages.length };
  }

  /** Unbinds (bounded), closes the socket and stops reconnecting. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  // ---- link ---------------------------------------------------------------------------------

  private connect(): void {
    if (this.state === 'closing' || this.state === 'closed') return;
    this.state = 'connecting';
    const session = smpp.connect({ url: this.url });
    this.session = session;
    this.connectTimer = setTimeout(() => {
      this.connectTimer = undefined;
      if (session !== this.session || this.state !== 'connecting') return;
      this.log.warn({ timeoutMs: this.connectTimeoutMs }, 'smpp connect timed out');
      // 'close' follows, and with it the usual back-off and reconnect.
      session.destroy();
    }, this.connectTimeoutMs);
    session.on(this.tls ? 'secureConnect' : 'connect', () => {
      if (session !== this.session) return;
      clearTimeout(this.connectTimer);
      this.connectTimer = undefined;
      this.bind(session);
    });
    session.on('error', (err: Error) => {
      this.log.warn({ err: { message: err.message, code: (err as NodeJS.ErrnoException).code } }, 'smpp session error');
      // The package stops reading after a PDU parse error; only a fresh session recovers.
      session.destroy();
    });
    session.on('close', () => this.onSessionClosed(session));
    session.on('deliver_sm', (pdu: smpp.PDU) => this.onMessage(session, pdu));
    session.on('data_sm', (pdu: smpp.PDU) => this.onMessage(session, pdu));
    session.on('enquire_link', (pdu: smpp.PDU) => session.send(pdu.response()));
    session.on('unbind', (pdu: smpp.PDU) => {
      this.log.warn('smpp: SMSC unbound the session');
      session.send(pdu.response());
      session.close();
    });
    // SMPP 3.4 §4.3: answer a command we do not know with generic_nack rather than leave the SMSC waiting.
    session.on('unknown', (pdu: smpp.PDU) => session.send(pdu.response()));
  }

  private bind(session: smpp.Session): void {
    if (session !== this.session || this.state !== 'connecting') return;
    this.state = 'binding';
    this.bindTimer = setTimeout(() => {
      this.log.warn({ timeoutMs: this.submitTimeoutMs }, 'smpp bind_transceiver unanswered');
      session.destroy();
    }, this.submitTimeoutMs);
    const sent = session.bind_transceiver(
      {
        system_id: this.opts.systemId,
        password: this.opts.password,
        system_type: this.opts.systemType ?? '',
        interface_version: INTERFACE_VERSION_34,
      },
      (resp) => {
        clearTimeout(this.bindTimer);
        this.bindTimer = undefined;
        if (session !== this.session || this.state !== 'binding') return;
        if (resp.command_status !== 0) {
          this.log.error({ status: commandStatusName(resp.command_status) }, 'smpp bind rejected');
          session.destroy();
          return;
        }
        this.state = 'bound';
        this.attempt = 0;
        this.startEnquireLink(session);
        this.log.info('smpp bound (transceiver)');
        this.resolveStart?.();
      },
    );
    if (!sent) session.destroy();
  }

  private startEnquireLink(session: smpp.Session): void {
    let awaiting = false;
    this.enquireTimer = setInterval(() => {
      if (session !== this.session) return;
      if (awaiting) {
        this.log.warn({ enquireLinkMs: this.enquireLinkMs }, 'smpp enquire_link unanswered; dropping the session');
        session.destroy();
        return;
      }
      awaiting = true;
      if (!session.enquire_link({}, () => (awaiting = false))) session.destroy();
    }, this.enquireLinkMs);
  }

  private onSessionClosed(session: smpp.Session): void {
    if (session !== this.session) return;
    const wasBound = this.state === 'bound';
    this.session = undefined;
    this.clearLinkTimers();
    const lost = new SmsError('smpp session lost', true, 'SMPP_CONNECTION_LOST');
    this.failInflight(lost);
    this.window.failWaiters(lost);
    if (this.state === 'closing' || this.state === 'closed') return;
    this.resolveStart?.();
    this.scheduleReconnect(wasBound);
  }

  private scheduleReconnect(wasBound: boolean): void {
    const base = Math.min(this.reconnectMaxMs, this.reconnectMs * 2 ** Math.min(this.attempt, 20));
    const delayMs = Math.round(base * (0.8 + Math.random() * 0.4));
    this.attempt++;
    this.state = 'backoff';
    this.log.warn({ wasBound, attempt: this.attempt, delayMs }, 'smpp session down; reconnecting');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delayMs);
  }

  private clearLinkTimers(): void {
    clearTimeout(this.connectTimer);
    this.connectTimer = undefined;
    clearTimeout(this.bindTimer);
    clearInterval(this.enquireTimer);
    this.bindTimer = undefined;
    this.enquireTimer = undefined;
  }

  // ---- submit -------------------------------------------------------------------------------

  private nextRef(): number {
    this.concatRef = (this.concatRef + 1) & 0xff;
    return this.concatRef;
  }

  private async submit(session: smpp.Session, fields: Record<string, unknown>, signal?: AbortSignal): Promise<string> {
    let release: () => void;
    try {
      release = await this.window.acquire(signal);
    } catch (err) {
      throw err instanceof SmsError ? err : signal?.aborted ? abortedError() : notBoundError();
    }
    // The link may have dropped while we waited for a slot.
    if (session !== this.session || this.state !== 'bound') {
      release();
      throw notBoundError();
    }
    return new Promise<string>((resolve, reject) => {
      let done = false;
      const finish = (err: SmsError | undefined, messageId = '') => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.inflight.delete(fail);
        release();
        if (this.inflight.size === 0) for (const w of this.drainWaiters.splice(0)) w();
        if (err) reject(err);
        else resolve(messageId);
      };
      const fail = (err: SmsError) => finish(err);
      const onAbort = () => finish(abortedError());
      const timer = setTimeout(
        () => finish(new SmsError(`submit_sm unanswered after ${this.submitTimeoutMs} ms`, true, 'SMPP_TIMEOUT')),
        this.submitTimeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.inflight.add(fail);
      const sent = session.submit_sm(fields, (resp) => {
        if (resp.command_status !== 0) finish(commandStatusError(resp.command_status));
        else finish(undefined, typeof resp.message_id === 'string' ? resp.message_id : '');
      });
      if (!sent) finish(notBoundError());
    });
  }

  private failInflight(err: SmsError): void {
    for (const fail of [...this.inflight]) fail(err);
  }

  // ---- receive ------------------------------------------------------------------------------

  private onMessage(session: smpp.Session, pdu: smpp.PDU): void {
    // Answer first and always: an unanswered deliver_sm is redelivered and holds the SMSC's window.
    session.send(pdu.response());
    try {
      const content = readMessageContent(pdu);
      const esmClass = typeof pdu.esm_class === 'number' ? pdu.esm_class : 0;
      if (isReceiptEsmClass(esmClass)) {
        const receipt = parseDeliveryReceipt({
          text: content.ascii,
          receiptedMessageId: typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : undefined,
          messageState: typeof pdu.message_state === 'number' ? pdu.message_state : undefined,
        });
        if (!receipt) {
          this.log.warn('smpp delivery receipt without a message id; ignored');
          return;
        }
        this.log.info({ messageId: receipt.messageId, status: receipt.status, detail: receipt.detail }, 'smpp delivery receipt');
        this.emit(this.receiptListeners, receipt, 'receipt');
        return;
      }
      const from = inboundNumber(
        typeof pdu.source_addr === 'string' ? pdu.source_addr : '',
        typeof pdu.source_addr_ton === 'number' ? pdu.source_addr_ton : TON_UNKNOWN,
      );
      const info = concatInfo(content.udh);
      const text = info ? this.assembler.add(from, info, content.text) : content.text;
      if (text === undefined) return;
      this.log.info({ from: maskNumber(from), parts: info?.total ?? 1 }, 'smpp inbound sms');
      this.emit(this.inboundListeners, { from, text, at: Date.now() }, 'inbound');
    } catch (err) {
      this.log.warn({ err: { message: (err as Error).message } }, 'smpp could not read a deliver_sm');
    }
  }

  private emit<T>(listeners: Array<(value: T) => void>, value: T, what: string): void {
    for (const listener of listeners) {
      try {
        listener(value);
      } catch (err) {
        this.log.error({ err }, `smpp ${what} listener threw`);
      }
    }
  }

  // ---- close --------------------------------------------------------------------------------

  private async shutdown(): Promise<void> {
    const wasBound = this.state === 'bound';
    this.state = 'closing';
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.resolveStart?.();
    const session = this.session;
    // New sends are refused from here on; give the ones on the wire a bounded chance to be answered.
    if (wasBound && this.inflight.size > 0) {
      await within(this.closeTimeoutMs, new Promise<void>((resolve) => this.drainWaiters.push(resolve)));
    }
    const closed = new SmsError('smpp provider closed', true, 'SMPP_CLOSED');
    this.failInflight(closed);
    this.window.failWaiters(closed);
    this.clearLinkTimers();
    if (session) {
      if (wasBound && this.session === session) {
        await within(
          this.closeTimeoutMs,
          new Promise<void>((resolve) => {
            // An SMSC that vanishes mid-unbind ends the wait too.
            session.socket.once('close', () => resolve());
            if (!session.unbind({}, () => resolve())) resolve();
          }),
        );
      }
      await within(
        this.closeTimeoutMs,
        new Promise<void>((resolve) => {
          if (session.socket.destroyed) resolve();
          else session.close(() => resolve());
        }),
      );
      session.destroy();
    }
    this.session = undefined;
    this.state = 'closed';
    this.log.info('smpp provider closed');
  }
}

function within(ms: number, work: Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([work, bound]).finally(() => clearTimeout(timer));
}
