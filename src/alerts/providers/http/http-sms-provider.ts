/**
 * SmsProvider that hands each SMS to a webhook (an operator gateway or an in-house sender):
 *
 *   POST <url>
 *   Content-Type: application/json
 *   Idempotency-Key: <reference>
 *   X-Callguard-Timestamp / X-Callguard-Signature   (webhook-signature.ts)
 *   {"to":"+44…","from":"CallGuard","text":"…","reference":"<alert id>","callId":"…"}
 *
 * 2xx → sent; the message id is the JSON body's string `id` when present, else the reference.
 * 408, 429, 5xx, network errors and the timeout → retryable; other statuses (4xx, and 3xx: redirects
 * are not followed) → not, since they will not change on retry. The alert queue retries with the same reference, so the receiver can deduplicate
 * on Idempotency-Key. Logs carry the host, status and reference only: the URL path or query may hold
 * a token, the body holds the text and the number.
 */
import type { Logger } from 'pino';
import { maskNumber, silentLogger } from '../../../log.js';
import { SmsError, type SmsMessage, type SmsProvider, type SmsSendResult } from '../../types.js';
import { segmentCount } from '../../sms/index.js';
import { signWebhook } from './webhook-signature.js';

export interface HttpSmsProviderOptions {
  /** The webhook URL (http: or https:). */
  url: string;
  /** HMAC-SHA256 key for X-Callguard-Signature. */
  secret: string;
  /** Per-request timeout. Default 5000. */
  timeoutMs?: number;
  logger?: Logger;
}

export class HttpSmsProvider implements SmsProvider {
  readonly name = 'http' as const;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly log: Logger;
  private closed = false;

  constructor(private readonly opts: HttpSmsProviderOptions) {
    try {
      this.url = new URL(opts.url);
    } catch {
      throw new Error('http sms provider: url is not a valid URL');
    }
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new Error('http sms provider: url must be http: or https:');
    if (!opts.secret) throw new Error('http sms provider: secret is required');
    this.timeoutMs = opts.timeoutMs ?? 5000;
    this.log = (opts.logger ?? silentLogger()).child({ component: 'sms', provider: 'http', host: this.url.host });
  }

  async send(message: SmsMessage, signal?: AbortSignal): Promise<SmsSendResult> {
    if (this.closed) throw new SmsError('http sms provider is closed', true, 'HTTP_CLOSED');
    if (signal?.aborted) throw new SmsError('send aborted', true, 'ABORTED');
    const ctx = { to: maskNumber(message.to), reference: message.reference, callId: message.callId };
    const body = JSON.stringify({
      to: message.to,
      from: message.from,
      text: message.text,
      reference: message.reference,
      callId: message.callId,
    });
    const timestamp = String(Math.floor(Date.now() / 1000));
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(this.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json',
          'idempotency-key': message.reference,
          'x-callguard-timestamp': timestamp,
          'x-callguard-signature': signWebhook(this.opts.secret, timestamp, body),
        },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        // A redirected webhook is misconfigured: surface the 3xx (non-retryable) rather than re-POST elsewhere.
        redirect: 'manual',
      });
    } catch (err) {
      const e = timeout.aborted
        ? new SmsError(`webhook did not answer within ${this.timeoutMs} ms`, true, 'HTTP_TIMEOUT')
        : signal?.aborted
          ? new SmsError('send aborted', true, 'ABORTED')
          : new SmsError(`webhook unreachable: ${networkReason(err)}`, true, 'HTTP_NETWORK');
      this.log.warn({ ...ctx, code: e.code }, 'http sms send failed');
      throw e;
    }

    if (!res.ok) {
      // Drain so the connection returns to the pool.
      await res.arrayBuffer().catch(() => undefined);
      const retryable = res.status === 408 || res.status === 429 || res.status >= 500;
      this.log.warn({ ...ctx, status: res.status, retryable }, 'http sms rejected');
      throw new SmsError(`webhook answered HTTP ${res.status}`, retryable, `HTTP_${res.status}`);
    }
    const id = await readId(res);
    const messageIds = [id ?? message.reference];
    const segments = segmentCount(message.text);
    this.log.info({ ...ctx, status: res.status, messageIds, segments }, 'http sms sent');
    return { messageIds, segments };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

async function readId(res: Response): Promise<string | undefined> {
  const text = await res.text().catch(() => '');
  if (!text) return undefined;
  try {
    const json: unknown = JSON.parse(text);
    const id = json && typeof json === 'object' ? (json as { id?: unknown }).id : undefined;
    return typeof id === 'string' && id ? id : typeof id === 'number' ? String(id) : undefined;
  } catch {
    // A 2xx with a non-JSON body is still a success; the reference stands in for the id.
    return undefined;
  }
}

/** undici wraps the socket error as `cause`; its code (ECONNREFUSED, …) is what ops needs. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (typeof cause?.code === 'string') return cause.code;
  // Never the message: fetch quotes the whole URL in it, and the URL may hold a token.
  return err instanceof Error && err.name !== 'Error' ? err.name : 'fetch failed';
}
