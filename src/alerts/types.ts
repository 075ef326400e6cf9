/**
 * The alert ports: an engine alert becomes one `AlertJob` in an `AlertQueue` (memory or BullMQ), whose
 * worker renders the text (src/alerts/text/) and hands one `SmsMessage` to an `SmsProvider` (smpp, acs,
 * http, file, console). Nothing here carries transcript text: the explanation is the analyzer's summary.
 */
import type { RiskAlert } from '../analysis/policy.js';
import type { RiskLevel, Tactic } from '../analysis/types.js';

/**
 * What the engine raises when a call's risk crosses the bar: who to warn, and why. Declared here,
 * where it is consumed, so the alerts layer never imports the engine.
 */
export interface CallAlert extends RiskAlert {
  callId: string;
  /** E.164; masked everywhere it is shown. */
  subscriber: string;
  /**
   * The recording this alert is about, stable across re-INVITEs, duplicate forks and an SRC failing over
   * to another node: the metadata's group id, else its recording session id, else the SIP Call-ID.
   */
  recording: string;
  /** The other party (E.164 when known); masked everywhere it is shown. */
  caller?: string;
  raisedAt: number;
}

/** What the queue is given: everything needed to render and send one warning. */
export interface AlertJob {
  /** Unique per enqueue attempt (uuid); becomes the record id when the job is accepted. */
  id: string;
  /** `(subscriber, recording group)`: a second job with the same key is a counted no-op. */
  dedupKey: string;
  callId: string;
  /** E.164 of the protected subscriber (the SMS recipient). */
  subscriber: string;
  /** The other party as the SRC named it (E.164 when known); only ever shown masked. */
  caller?: string;
  /** BCP 47, from the subscriber's provisioning; the text falls back to the default locale. */
  locale?: string;
  level: RiskLevel;
  score: number;
  category: string;
  tactics: Tactic[];
  /** The analyzer's one-sentence explanation (English). */
  explanation: string;
  /** Node that raised it. */
  nodeId: string;
  raisedAt: number;
}

export type AlertStatus =
  /** Waiting for a worker or a back-off delay. */
  | 'queued'
  /** A worker is sending it. */
  | 'sending'
  /** The provider accepted it. */
  | 'sent'
  /** A delivery receipt said it reached the handset. */
  | 'delivered'
  /** A delivery receipt said it did not (expired, rejected, undeliverable). */
  | 'undelivered'
  /** Attempts exhausted or a permanent error: in the dead-letter list until retried. */
  | 'dead';

export interface DeliveryReceipt {
  /** The provider's message id (submit_sm_resp message_id, ACS messageId, …). */
  messageId: string;
  /** Provider-neutral outcome. */
  status: 'delivered' | 'undelivered' | 'accepted' | 'unknown';
  /** The provider's own state word, e.g. DELIVRD, EXPIRED, UNDELIV. */
  detail?: string;
  at: number;
}

/** What ops sees of an alert: masked numbers only, no transcript. */
export interface AlertRecord {
  id: string;
  dedupKey: string;
  callId: string;
  /** Masked, e.g. +4477****0123. */
  subscriber: string;
  caller?: string;
  category: string;
  level: RiskLevel;
  score: number;
  tactics: Tactic[];
  /** The analyzer's explanation (a summary, not transcript). */
  explanation: string;
  locale: string;
  status: AlertStatus;
  attempts: number;
  lastError?: string;
  /** Provider message ids, one per SMS sent (long messages may have one per segment). */
  messageIds: string[];
  segments?: number;
  receipts: DeliveryReceipt[];
  /** The subscriber answered "not a scam". */
  disputed?: { at: number; via: 'sms' | 'api' };
  nodeId: string;
  raisedAt: number;
  sentAt?: number;
  updatedAt: number;
}

export type EnqueueResult =
  | { accepted: true; id: string }
  /** Same dedup key already queued or sent; `id` is the existing alert. */
  | { accepted: false; reason: 'duplicate'; id: string }
  /** The subscriber reached CALLGUARD_ALERT_MAX_PER_HOUR; recorded as dead with lastError 'rate-limited'. */
  | { accepted: false; reason: 'rate-limited'; id: string };

export interface AlertQueueStats {
  queued: number;
  sending: number;
  sent: number;
  delivered: number;
  undelivered: number;
  dead: number;
  duplicates: number;
  rateLimited: number;
  disputed: number;
}

export interface AlertQueue {
  enqueue(job: AlertJob): Promise<EnqueueResult>;
  get(id: string): Promise<AlertRecord | undefined>;
  /** Newest first. */
  list(filter?: { status?: AlertStatus; limit?: number }): Promise<AlertRecord[]>;
  /** Re-queues a dead alert with fresh attempts; false when it is not dead (or unknown). */
  retry(id: string): Promise<boolean>;
  /** Records a receipt against the alert that owns `messageId`; false when none does. */
  recordReceipt(receipt: DeliveryReceipt): Promise<boolean>;
  /**
   * Marks the subscriber's alert disputed: by alert id, or the subscriber's most recent alert. Resolves
   * the record, or undefined when there is none.
   */
  dispute(target: { id: string } | { subscriber: string }, via: 'sms' | 'api'): Promise<AlertRecord | undefined>;
  stats(): Promise<AlertQueueStats>;
  /** Stops taking work, waits up to `graceMs` for in-flight sends, then closes. Queued jobs stay queued (BullMQ) or are lost with a warning (memory). */
  close(graceMs?: number): Promise<void>;
}

export interface SmsMessage {
  /** E.164 recipient. */
  to: string;
  /** Sender id: alphanumeric (≤ 11 chars) or a number. */
  from: string;
  text: string;
  /** The alert id: providers that support it pass it on so the far end can deduplicate. */
  reference: string;
  callId: string;
}

export interface SmsSendResult {
  /** One per message the provider created (SMPP concatenation: one per segment). */
  messageIds: string[];
  segments: number;
}

/** A provider failure; `retryable` false stops further attempts (bad number, rejected sender). */
export class SmsError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SmsError';
  }
}

/** A message from a subscriber to the sender id (SMPP deliver_sm that is not a receipt). */
export interface InboundSms {
  from: string;
  text: string;
  at: number;
}

export interface SmsProvider {
  readonly name: 'smpp' | 'acs' | 'http' | 'file' | 'console';
  /** Connects/binds when the provider has a session; resolves when it is ready or has started retrying. */
  start?(): Promise<void>;
  /** Rejects with SmsError. */
  send(message: SmsMessage, signal?: AbortSignal): Promise<SmsSendResult>;
  onReceipt?(listener: (receipt: DeliveryReceipt) => void): void;
  onInbound?(listener: (sms: InboundSms) => void): void;
  close(): Promise<void>;
}

/** Renders the subscriber's SMS for an alert (src/alerts/text/). */
export interface AlertText {
  text: string;
  encoding: 'gsm7' | 'ucs2';
  segments: number;
}
