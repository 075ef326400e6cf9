/**
 * HttpSmsProvider against a real node:http webhook on 127.0.0.1 that verifies the signature with
 * verifyWebhook (as a receiver would) and answers as scripted.
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HttpSmsProvider, signWebhook, verifyWebhook } from '../../../../src/alerts/providers/http/index.js';
import { SmsError, type SmsMessage } from '../../../../src/alerts/types.js';

const SECRET = 'webhook-secret-0123';

type Reply = (res: ServerResponse) => void;

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  signatureValid: boolean;
}

let server: Server;
let url: string;
let received: Received[];
let replies: Reply[];

const MESSAGE: SmsMessage = {
  to: '+447700900123',
  from: 'CallGuard',
  text: 'CallGuard: this call looks like a scam. Hang up.',
  reference: 'alert-9',
  callId: 'call-3',
};

function json(status: number, body: unknown): Reply {
  return (res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
}

async function rejection(p: Promise<unknown>): Promise<SmsError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SmsError);
  return err as SmsError;
}

beforeEach(async () => {
  received = [];
  replies = [];
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const ts = req.headers['x-callguard-timestamp'];
      const sig = req.headers['x-callguard-signature'];
      const signatureValid = verifyWebhook(SECRET, typeof ts === 'string' ? ts : undefined, rawBody, typeof sig === 'string' ? sig : undefined);
      received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody, signatureValid });
      if (!signatureValid) return json(401, { error: 'bad signature' })(res);
      (replies.shift() ?? json(202, { id: 'gw-1' }))(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/sms?token=abc`;
});

afterEach(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('HttpSmsProvider', () => {
  it('POSTs the JSON message with a verifiable signature and an idempotency key', async () => {
    const result = await new HttpSmsProvider({ url, secret: SECRET }).send(MESSAGE);

    expect(result).toEqual({ messageIds: ['gw-1'], segments: 1 });
    const req = received[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hooks/sms?token=abc');
    expect(req.signatureValid).toBe(true);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toBe('alert-9');
    expect(JSON.parse(req.rawBody)).toEqual({ to: MESSAGE.to, from: MESSAGE.from, text: MESSAGE.text, reference: 'alert-9', callId: 'call-3' });
    // The signed string is `${timestamp}.${rawBody}`.
    const ts = req.headers['x-callguard-timestamp'] as string;
    expect(req.headers['x-callguard-signature']).toBe(signWebhook(SECRET, ts, req.rawBody));
    expect(req.headers['x-callguard-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
  });

  it('uses the reference as message id when the 2xx body has no id', async () => {
    replies.push((res) => res.writeHead(204).end(), json(200, { ok: true }));
    const p = new HttpSmsProvider({ url, secret: SECRET });
    expect((await p.send(MESSAGE)).messageIds).toEqual(['alert-9']);
    expect((await p.send(MESSAGE)).messageIds).toEqual(['alert-9']);
  });

  it('counts segments of a long message', async () => {
    const result = await new HttpSmsProvider({ url, secret: SECRET }).send({ ...MESSAGE, text: 'z'.repeat(200) });
    expect(result.segments).toBe(2);
  });

  it('maps 429 and 5xx to retryable errors, other 4xx to permanent ones', async () => {
    replies.push(json(429, {}), json(503, {}), json(400, { error: 'bad number' }), json(404, {}));
    const p = new HttpSmsProvider({ url, secret: SECRET });
    expect(await rejection(p.send(MESSAGE))).toMatchObject({ retryable: true, code: 'HTTP_429' });
    expect(await rejection(p.send(MESSAGE))).toMatchObject({ retryable: true, code: 'HTTP_503' });
    expect(await rejection(p.send(MESSAGE))).toMatchObject({ retryable: false, code: 'HTTP_400' });
    expect(await rejection(p.send(MESSAGE))).toMatchObject({ retryable: false, code: 'HTTP_404' });
  });

  it('maps a wrong secret to a permanent 401 (the receiver rejects the signature)', async () => {
    const err = await rejection(new HttpSmsProvider({ url, secret: 'wrong' }).send(MESSAGE));
    expect(err).toMatchObject({ retryable: false, code: 'HTTP_401' });
    expect(received[0]?.signatureValid).toBe(false);
  });

  it('maps a timeout and a refused connection to retryable errors', async () => {
    replies.push(() => undefined); // never answers
    const err = await rejection(new HttpSmsProvider({ url, secret: SECRET, timeoutMs: 200 }).send(MESSAGE));
    expect(err).toMatchObject({ retryable: true, code: 'HTTP_TIMEOUT' });

    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const refused = await rejection(new HttpSmsProvider({ url, secret: SECRET }).send(MESSAGE));
    expect(refused).toMatchObject({ retryable: true, code: 'HTTP_NETWORK' });
    expect(refused.message).toContain('ECONNREFUSED');
    server.listen(0, '127.0.0.1'); // so afterEach has something to close
  });

  it('does not follow redirects', async () => {
    replies.push((res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end());
    expect(await rejection(new HttpSmsProvider({ url, secret: SECRET }).send(MESSAGE))).toMatchObject({ retryable: false, code: 'HTTP_302' });
  });

  it('rejects on caller abort', async () => {
    replies.push(() => undefined);
    const ac = new AbortController();
    const sending = new HttpSmsProvider({ url, secret: SECRET }).send(MESSAGE, ac.signal);
    setTimeout(() => ac.abort(), 20);
    expect(await rejection(sending)).toMatchObject({ retryable: true, code: 'ABORTED' });
  });
});

describe('verifyWebhook', () => {
  it('rejects stale timestamps, tampered bodies and malformed headers', () => {
    const body = '{"a":1}';
    const ts = '1700000000';
    const sig = signWebhook(SECRET, ts, body);
    expect(verifyWebhook(SECRET, ts, body, sig, { now: 1700000100 })).toBe(true);
    expect(verifyWebhook(SECRET, ts, body, sig, { now: 1700000000 + 301 })).toBe(false);
    expect(verifyWebhook(SECRET, ts, '{"a":2}', sig, { now: 1700000000 })).toBe(false);
    expect(verifyWebhook(SECRET, '1700000001', body, sig, { now: 1700000000 })).toBe(false);
    expect(verifyWebhook(SECRET, undefined, body, sig)).toBe(false);
    expect(verifyWebhook(SECRET, ts, body, 'sha256=00', { now: 1700000000 })).toBe(false);
  });
});
