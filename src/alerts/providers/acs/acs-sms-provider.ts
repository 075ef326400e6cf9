/**
 * SmsProvider over Azure Communication Services SMS (`@azure/communication-sms` SmsClient):
 * `send({ from, to: [to], message }, { enableDeliveryReport: true, tag: reference })`. Delivery
 * reports arrive through Event Grid (Microsoft.Communication.SMSDeliveryReportReceived), not through
 * this client, so there is no onReceipt here; the tag carries the alert reference into those events.
 *
 * Failure mapping: the service answers 202 with one result per recipient; a recipient result that is
 * not `successful` maps by its httpStatusCode (429 and 5xx retryable; 400 and other 4xx not). A whole
 * request that fails (RestError) maps the same way by statusCode; no status (network, DNS, reset) and
 * our own timeout are retryable; 401/403 are not (a wrong key will not fix itself).
 *
 * Retries: the SDK's retry policy is off by default (`maxRetries: 0`) — the alert queue owns retries
 * and back-off, and a hidden SDK retry would double the wait during a live call. Note the SDK makes a
 * fresh repeatabilityRequestId per call, so service-side idempotency does not span our retries.
 *
 * Endpoints: the SDK refuses http: URLs unless `allowInsecureConnection` is set; it is set
 * automatically for loopback hosts only (the offline fake in tests), never for remote ones.
 * Logs: masked numbers, references, message ids and status codes; never the text, key or connection string.
 */
import { SmsClient, type SmsSendResult as AcsRecipientResult } from '@azure/communication-sms';
import type { Logger } from 'pino';
import { maskNumber, silentLogger } from '../../../log.js';
import { SmsError, type SmsMessage, type SmsProvider, type SmsSendResult } from '../../types.js';
import { segmentCount } from '../../sms/index.js';

export interface AcsSmsProviderOptions {
  /** `endpoint=https://<resource>.communication.azure.com/;accesskey=<base64>`. Give this or endpoint + key. */
  connectionString?: string;
  endpoint?: string;
  /** The resource's access key (base64). */
  key?: string;
  /** Sender: a number or alphanumeric sender id the ACS resource owns. Default: the message's `from`. */
  from?: string;
  /** Per-request timeout. Default 10 000. */
  timeoutMs?: number;
  /** SDK-level retries. Default 0 (the alert queue retries). */
  maxRetries?: number;
  /** Allow an http: endpoint. Default: only for 127.0.0.1 / localhost / [::1]. */
  allowInsecureConnection?: boolean;
  logger?: Logger;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

export class AcsSmsProvider implements SmsProvider {
  readonly name = 'acs' as const;
  private readonly client: SmsClient;
  private readonly from: string | undefined;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private closed = false;

  constructor(opts: AcsSmsProviderOptions) {
    const connectionString =
      opts.connectionString ?? (opts.endpoint && opts.key ? `endpoint=${opts.endpoint};accesskey=${opts.key}` : undefined);
    if (!connectionString) throw new Error('acs sms provider: give connectionString, or endpoint and key');
    const endpoint = /endpoint=([^;]*)/i.exec(connectionString)?.[1];
    let url: URL;
    try {
      url = new URL(endpoint ?? '');
    } catch {
      // The SDK's own error would quote the connection string, key included.
      throw new Error('acs sms provider: connection string must look like endpoint=https://…;accesskey=…');
    }
    if (!/accesskey=./i.test(connectionString)) throw new Error('acs sms provider: connection string has no accesskey');
    const allowInsecureConnection = opts.allowInsecureConnection ?? (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
    // Fail at start-up rather than on every send: the SDK would refuse each request to this endpoint.
    if (url.protocol === 'http:' && !allowInsecureConnection) {
      throw new Error('acs sms provider: http: endpoints are only allowed for loopback hosts (or with allowInsecureConnection)');
    }
    this.client = new SmsClient(connectionString, {
      retryOptions: { maxRetries: opts.maxRetries ?? 0 },
      allowInsecureConnection,
    });
    this.from = opts.from;
    this.timeoutMs = opts.timeoutMs ?? 10_000;
    this.log = (opts.logger ?? silentLogger()).child({ component: 'sms', provider: 'acs', endpoint: url.host });
  }

  async send(message: SmsMessage, signal?: AbortSignal): Promise<SmsSendResult> {
    if (this.closed) throw new SmsError('acs sms provider is closed', true, 'ACS_CLOSED');
    if (signal?.aborted) throw new SmsError('send aborted', true, 'ABORTED');
    const ctx = { to: maskNumber(message.to), reference: message.reference, callId: message.callId };
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let results: AcsRecipientResult[];
    try {
      results = await this.client.send(
        { from: this.from ?? message.from, to: [message.to], message: message.text },
        {
          enableDeliveryReport: true,
          tag: message.reference,
          abortSignal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        },
      );
    } catch (err) {
      const e = requestError(err, timeout.aborted, signal?.aborted ?? false, this.timeoutMs);
      this.log.warn({ ...ctx, code: e.code, retryable: e.retryable }, 'acs sms request failed');
      throw e;
    }

    const result = results.find((r) => r.to === message.to) ?? results[0];
    if (!result) {
      this.log.warn(ctx, 'acs answered without a recipient result');
      throw new SmsError('ACS answered without a result for the recipient', true, 'ACS_NO_RESULT');
    }
    if (!result.successful) {
      const e = statusError(result.httpStatusCode, 'ACS refused the recipient', result.errorMessage);
      this.log.warn({ ...ctx, status: result.httpStatusCode, retryable: e.retryable }, 'acs sms refused');
      throw e;
    }
    const messageIds = result.messageId ? [result.messageId] : [message.reference];
    const segments = segmentCount(message.text);
    this.log.info({ ...ctx, messageIds, segments }, 'acs sms accepted');
    return { messageIds, segments };
  }

  async close(): Promise<void> {
    // SmsClient holds no connection of its own to release (the shared HTTP agent pools sockets).
    this.closed = true;
  }
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 429 || status >= 500;
}

function statusError(status: number, what: string, detail?: string): SmsError {
  // The service's errorMessage can quote the number; strip digit runs before it reaches the error.
  const safe = detail ? `: ${detail.replace(/\+?\d[\d\s-]{4,}\d/g, '[number]').slice(0, 200)}` : '';
  return new SmsError(`${what} (HTTP ${status})${safe}`, isRetryableStatus(status), `ACS_${status}`);
}

function requestError(err: unknown, timedOut: boolean, aborted: boolean, timeoutMs: number): SmsError {
  if (timedOut) return new SmsError(`ACS did not answer within ${timeoutMs} ms`, true, 'ACS_TIMEOUT');
  if (aborted) return new SmsError('send aborted', true, 'ABORTED');
  // RestError (core-rest-pipeline) is duck-typed: it is not a direct dependency of ours.
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  if (typeof status === 'number') return statusError(status, 'ACS rejected the request');
  const code = (err as { code?: unknown } | undefined)?.code;
  return new SmsError(`ACS unreachable${typeof code === 'string' ? `: ${code}` : ''}`, true, 'ACS_NETWORK');
}
