/**
 * Turns engine alerts into queued SMS and subscribers' replies into disputes. The queue (memory or
 * BullMQ) owns dedup, rate limits, retries and idempotency; this module only builds jobs, renders the
 * text at send time and routes what the provider hears back (receipts, "NOTSCAM" replies).
 */
import { randomUUID } from 'node:crypto';
import { maskNumber, type Logger } from '../log.js';
import { isE164, normaliseNumber } from '../siprec/numbers.js';
import { smsNumberOf } from '../state/provision.js';
import type { SubscriberStore } from '../state/types.js';
import type { AlertSender } from './queue/types.js';
import { renderAlertText, type AlertBrand } from './text/index.js';
import type { AlertJob, AlertQueue, CallAlert, AlertRecord, DeliveryReceipt, EnqueueResult, InboundSms, SmsProvider } from './types.js';

export interface AlertServiceOptions {
  brand: AlertBrand;
  /** Alert language when the subscriber has none. */
  defaultLocale: string;
  nodeId: string;
  /** Normalises the national numbers some SMSCs put in a reply's source address. */
  defaultCountry: string;
  logger: Logger;
  /** An alert was queued, disputed or got a receipt (sends are reported by the queue's onAttempt). */
  onChange?: (alertId: string) => void;
}

/** The dedup key: one SMS per subscriber per recorded call, whichever node or fork raises it. */
export const dedupKeyOf = (subscriber: string, recording: string): string => `${subscriber}|${recording}`;

/** Renders the alert text when the job is sent (so a retry after a config change uses the new brand). */
export function alertSender(provider: SmsProvider, options: Pick<AlertServiceOptions, 'brand' | 'defaultLocale'>): AlertSender {
  return async (job, ctx) => {
    const rendered = renderAlertText(job, options.brand, { defaultLocale: options.defaultLocale });
    return provider.send({ to: job.subscriber, from: options.brand.senderId, text: rendered.text, reference: job.id, callId: job.callId }, ctx.signal);
  };
}

export class AlertService {
  private readonly log: Logger;
  /** Enqueues not yet settled, so shutdown can wait for them. */
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly queue: AlertQueue,
    private readonly subscribers: SubscriberStore,
    private readonly options: AlertServiceOptions,
    provider?: SmsProvider,
  ) {
    this.log = options.logger.child({ component: 'alerts' });
    provider?.onReceipt?.((r) => void this.receipt(r));
    provider?.onInbound?.((sms) => void this.inbound(sms));
  }

  /** The engine's onAlert hook: fire and forget, but never lose an error. */
  raise(alert: CallAlert): void {
    const p = this.enqueue(alert)
      .catch((err: unknown) => {
        this.log.error({ err, callId: alert.callId, subscriber: maskNumber(alert.subscriber) }, 'alert could not be queued');
      })
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async enqueue(alert: CallAlert): Promise<EnqueueResult> {
    let subscriber = await this.subscribers.get(alert.subscriber).catch(() => undefined);
    // A subscriber provisioned by identity (a BroadWorks user, an extension) has its SMS number only on
    // record: ask once more (a store blip), and fail loudly rather than text an extension.
    if (subscriber === undefined && !isE164(alert.subscriber)) subscriber = await this.subscribers.get(alert.subscriber);
    const to = smsNumberOf(alert.subscriber, subscriber);
    if (to === undefined) throw new Error('the subscriber has no SMS number on record');
    const job: AlertJob = {
      id: randomUUID(),
      dedupKey: dedupKeyOf(alert.subscriber, alert.recording),
      callId: alert.callId,
      subscriber: to,
      // Masked before it is queued: the text shows it masked anyway, and BullMQ keeps job data in Redis.
      ...(alert.caller ? { caller: maskNumber(alert.caller) } : {}),
      locale: subscriber?.locale ?? this.options.defaultLocale,
      level: alert.level,
      score: alert.score,
      category: alert.category,
      tactics: alert.tactics,
      explanation: alert.explanation,
      nodeId: this.options.nodeId,
      raisedAt: alert.raisedAt,
    };
    const result = await this.queue.enqueue(job);
    if (result.accepted) this.options.onChange?.(result.id);
    const fields = { callId: alert.callId, subscriber: maskNumber(alert.subscriber), alertId: result.id };
    if (result.accepted) this.log.info(fields, 'alert queued');
    else this.log.info({ ...fields, reason: result.reason }, 'alert not queued');
    return result;
  }

  /** A subscriber's "not a scam": by alert id (ops API) or by number (their SMS reply). */
  async dispute(target: { id: string } | { subscriber: string }, via: 'sms' | 'api'): Promise<AlertRecord | undefined> {
    const record = await this.queue.dispute(target, via);
    if (record) this.options.onChange?.(record.id);
    if (record) this.log.info({ alertId: record.id, subscriber: record.subscriber, via }, 'alert disputed by the subscriber');
    return record;
  }

  /** Waits for enqueues in progress (SIGTERM: an alert raised a moment ago still reaches the queue). */
  async settle(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }

  private async receipt(r: DeliveryReceipt): Promise<void> {
    const known = await this.queue.recordReceipt(r).catch((err: unknown) => {
      this.log.warn({ err, messageId: r.messageId }, 'delivery receipt not recorded');
      return true;
    });
    if (!known) this.log.debug({ messageId: r.messageId }, 'delivery receipt for an unknown message');
  }

  private async inbound(sms: InboundSms): Promise<void> {
    if (!isDisputeReply(sms.text, this.options.brand.replyKeyword)) {
      this.log.info({ from: maskNumber(sms.from) }, 'inbound SMS ignored: not a reply keyword');
      return;
    }
    const from = normaliseNumber(sms.from, this.options.defaultCountry) ?? sms.from;
    const record = await this.dispute({ subscriber: from }, 'sms').catch((err: unknown) => {
      this.log.warn({ err, from: maskNumber(sms.from) }, 'dispute not recorded');
      return undefined;
    });
    if (!record) this.log.info({ from: maskNumber(sms.from) }, 'reply keyword from a number with no recent alert');
  }
}

/** "NOTSCAM", "not scam", "notscam." — the keyword, any case, spacing or trailing punctuation. */
export function isDisputeReply(text: string, keyword: string): boolean {
  const squash = (s: string) => s.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return squash(text) === squash(keyword);
}
