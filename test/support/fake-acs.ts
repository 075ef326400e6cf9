/**
 * A fake Azure Communication Services SMS endpoint on 127.0.0.1 (node:http) speaking the wire
 * protocol the real `@azure/communication-sms` SmsClient uses:
 *
 *   POST /sms?api-version=2021-03-07
 *   x-ms-date, x-ms-content-sha256 (base64 SHA-256 of the body), host,
 *   Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<base64>
 *     where Signature = HMAC-SHA256(base64decode(accessKey), "POST\n/sms?api-version=…\n<date>;<host>;<hash>")
 *   {"from","smsRecipients":[{"to","repeatabilityRequestId","repeatabilityFirstSent"}],"message","smsSendOptions":{"enableDeliveryReport","tag"}}
 *
 * It verifies the HMAC exactly as the service does (401 otherwise) and answers 202
 * {"value":[{"to","messageId","httpStatusCode":202,"repeatabilityResult":"accepted","successful":true}]}.
 * The SDK needs `allowInsecureConnection` for this http: endpoint (AcsSmsProvider sets it for loopback).
 * Scriptable per request (FIFO), like fake-chat-completions.ts.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeAcsReply =
  /** 202 with every recipient accepted. */
  | { kind: 'accept' }
  /** 202 whose recipient results failed with `status` (e.g. 400 bad number, 429). */
  | { kind: 'recipient'; status: number; errorMessage?: string }
  /** The whole request fails with `status` and an ACS-style error body. */
  | { kind: 'status'; status: number }
  /** Wait `ms`, then `then` (default accept). */
  | { kind: 'delay'; ms: number; then?: FakeAcsReply }
  /** Drop the connection without answering. */
  | { kind: 'destroy' };

export interface AcsRecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  rawBody: string;
  body: AcsSendBody | undefined;
  /** Whether the HMAC signature and content hash checked out. */
  authValid: boolean;
}

export interface AcsSendBody {
  from: string;
  smsRecipients: Array<{ to: string; repeatabilityRequestId?: string; repeatabilityFirstSent?: string }>;
  message: string;
  smsSendOptions?: { enableDeliveryReport: boolean; tag?: string };
}

export class FakeAcs {
  readonly requests: AcsRecordedRequest[] = [];
  /** base64 access key the fake checks signatures against. */
  readonly accessKey = randomBytes(32).toString('base64');
  private readonly queue: FakeAcsReply[] = [];
  private server: Server | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  private seq = 0;

  get endpoint(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error('fake ACS not started');
    return `http://127.0.0.1:${addr.port}/`;
  }

  get connectionString(): string {
    return `endpoint=${this.endpoint};accesskey=${this.accessKey}`;
  }

  /** Queues replies for the next requests, in order; afterwards every request is accepted. */
  script(...replies: FakeAcsReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        let body: AcsSendBody | undefined;
        try {
          body = JSON.parse(rawBody) as AcsSendBody;
        } catch {
          body = undefined;
        }
        const authValid = this.checkAuth(req.method ?? '', req.url ?? '', req.headers, rawBody);
        this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, rawBody, body, authValid });
        if (req.method !== 'POST' || url.pathname !== '/sms') return sendError(res, 404, 'NotFound', 'Resource not found.');
        if (!url.searchParams.get('api-version')) return sendError(res, 400, 'MissingApiVersionParameter', 'The api-version query parameter is required.');
        if (!authValid) return sendError(res, 401, 'Denied', 'Denied by the resource provider.');
        if (!body || !Array.isArray(body.smsRecipients)) return sendError(res, 400, 'BadRequest', 'Invalid request body.');
        this.reply(res, this.queue.shift() ?? { kind: 'accept' }, body);
      });
    });
    this.server = server;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async close(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private checkAuth(method: string, pathAndQuery: string, headers: IncomingHttpHeaders, rawBody: string): boolean {
    const date = headers['x-ms-date'];
    const hash = headers['x-ms-content-sha256'];
    const host = headers.host;
    const auth = headers.authorization;
    if (typeof date !== 'string' || typeof hash !== 'string' || !host || !auth) return false;
    if (createHash('sha256').update(rawBody).digest('base64') !== hash) return false;
    const m = /^HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=(.+)$/.exec(auth);
    if (!m?.[1]) return false;
    const expected = createHmac('sha256', Buffer.from(this.accessKey, 'base64'))
      .update(`${method.toUpperCase()}\n${pathAndQuery}\n${date};${host};${hash}`)
      .digest();
    const given = Buffer.from(m[1], 'base64');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private reply(res: ServerResponse, reply: FakeAcsReply, body: AcsSendBody): void {
    switch (reply.kind) {
      case 'delay': {
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (!res.destroyed && !res.writableEnded) this.reply(res, reply.then ?? { kind: 'accept' }, body);
        }, reply.ms);
        this.timers.add(t);
        res.on('close', () => {
          clearTimeout(t);
          this.timers.delete(t);
        });
        return;
      }
      case 'destroy':
        res.socket?.destroy();
        return;
      case 'status':
        sendError(res, reply.status, reply.status === 429 ? 'TooManyRequests' : 'ServiceError', 'Fake failure.');
        return;
      case 'recipient':
        sendJson(res, 202, {
          value: body.smsRecipients.map((r) => ({
            to: r.to,
            httpStatusCode: reply.status,
            repeatabilityResult: 'accepted',
            successful: false,
            errorMessage: reply.errorMessage ?? 'Fake recipient failure.',
          })),
        });
        return;
      case 'accept':
        sendJson(res, 202, {
          value: body.smsRecipients.map((r) => ({
            to: r.to,
            messageId: `Outgoing_${Date.now()}${String(++this.seq).padStart(4, '0')}_noam`,
            httpStatusCode: 202,
            repeatabilityResult: 'accepted',
            successful: true,
          })),
        });
        return;
    }
  }
}

function sendJson(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendJson(res, status, { error: { code, message } });
}
