/**
 * A fake chat-completions endpoint on 127.0.0.1 (node:http), for driving the real `openai` clients in
 * tests: Azure's `POST /openai/deployments/<deployment>/chat/completions?api-version=…` and the
 * OpenAI-compatible `POST /v1/chat/completions` (`baseURL`). Answers with standard `chat.completion`
 * objects, records every request (method, path, query, headers, JSON body), and is scriptable per
 * request (FIFO queue; `defaultReply` when the queue is empty). Two switches play servers without
 * structured outputs: `rejectsJsonSchema` (400 to any json_schema request, as some llama.cpp and vLLM
 * builds do) and `ignoresResponseFormat` (JSON answers come as prose around a ```json fence).
 */
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens?: number;
}

export type FakeReply =
  /** A well-formed completion whose message content is JSON.stringify(content). */
  | { kind: 'json'; content: unknown; usage?: Usage; finishReason?: string }
  /** A completion whose message content is the given raw string (e.g. broken JSON). */
  | { kind: 'content'; content: string; usage?: Usage; finishReason?: string }
  /** A completion with content that is not JSON. */
  | { kind: 'malformed'; usage?: Usage }
  /** A chatty answer: prose, then JSON.stringify(content) in a ```json fence, then more prose. */
  | { kind: 'prose'; content: unknown; usage?: Usage }
  /** Azure's content filter refusing the prompt: 400, error.code content_filter (ResponsibleAIPolicyViolation). */
  | { kind: 'prompt-filtered' }
  /** Azure's content filter cutting the answer: finish_reason content_filter, content_filter_results on the choice. */
  | { kind: 'completion-filtered'; usage?: Usage }
  /** Waits `ms` before sending `then` (default: the default reply); use for timeouts. */
  | { kind: 'delay'; ms: number; then?: FakeReply }
  /** 429 Too Many Requests, with Retry-After (seconds) when given. */
  | { kind: '429'; retryAfterSeconds?: number }
  /** Any status with an Azure-style error body. */
  | { kind: 'status'; status: number; headers?: Record<string, string> };

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: any;
}

export const SCAM_ANSWER = {
  score: 0.92,
  level: 'high',
  category: 'government',
  tactics: ['impersonation', 'urgency', 'payment'],
  explanation: 'The caller claims to be from the tax office and demands payment in gift cards.',
} as const;

export class FakeChatCompletions {
  readonly requests: RecordedRequest[] = [];
  private readonly queue: FakeReply[] = [];
  private server: Server | undefined;
  private readonly timers = new Set<NodeJS.Timeout>();
  defaultReply: FakeReply = { kind: 'json', content: SCAM_ANSWER, usage: { prompt_tokens: 100, completion_tokens: 20 } };
  /** 400 to any request whose response_format is json_schema (the queue is not consumed). */
  rejectsJsonSchema = false;
  /** 'json' replies are sent as 'prose', whatever the request's response_format. */
  ignoresResponseFormat = false;

  constructor(readonly deployment = 'gpt-test') {}

  /** Queues replies for the next requests, in order. */
  script(...replies: FakeReply[]): this {
    this.queue.push(...replies);
    return this;
  }

  get endpoint(): string {
    const addr = this.server?.address() as AddressInfo | null | undefined;
    if (!addr) throw new Error('fake server not started');
    return `http://127.0.0.1:${addr.port}`;
  }

  /** The OpenAI-compatible API base (`OpenAI({ baseURL })`). */
  get baseURL(): string {
    return `${this.endpoint}/v1`;
  }

  async start(): Promise<this> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        let body: unknown;
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
        } catch {
          body = Buffer.concat(chunks).toString('utf8');
        }
        this.requests.push({ method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body });
        const azure = `/openai/deployments/${this.deployment}/chat/completions`;
        if (req.method !== 'POST' || (url.pathname !== azure && url.pathname !== '/v1/chat/completions')) {
          sendError(res, 404, 'DeploymentNotFound', 'The API deployment for this resource does not exist.');
          return;
        }
        if (url.pathname === azure && !url.searchParams.get('api-version')) {
          sendError(res, 400, 'BadRequest', 'Missing api-version query parameter.');
          return;
        }
        const format = (body as { response_format?: { type?: string } } | null)?.response_format?.type;
        if (this.rejectsJsonSchema && format === 'json_schema') {
          sendError(res, 400, 'invalid_request_error', "Unsupported response_format type 'json_schema'.");
          return;
        }
        this.reply(res, this.queue.shift() ?? this.defaultReply, body);
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

  private reply(res: ServerResponse, reply: FakeReply, reqBody: unknown): void {
    switch (reply.kind) {
      case 'delay': {
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (!res.destroyed && !res.writableEnded) this.reply(res, reply.then ?? this.defaultReply, reqBody);
        }, reply.ms);
        this.timers.add(t);
        res.on('close', () => {
          clearTimeout(t);
          this.timers.delete(t);
        });
        return;
      }
      case '429':
        sendError(
          res,
          429,
          '429',
          'Requests to the ChatCompletions_Create Operation have exceeded the rate limit.',
          reply.retryAfterSeconds === undefined ? {} : { 'retry-after': String(reply.retryAfterSeconds) },
        );
        return;
      case 'status':
        sendError(res, reply.status, String(reply.status), 'Fake error.', reply.headers ?? {});
        return;
      case 'malformed':
        sendJson(res, 200, completion('{"score": 0.9, "level": "hi', 'stop', reply.usage, reqBody));
        return;
      case 'content':
        sendJson(res, 200, completion(reply.content, reply.finishReason ?? 'stop', reply.usage, reqBody));
        return;
      case 'json':
        if (this.ignoresResponseFormat) {
          this.reply(res, { kind: 'prose', content: reply.content, ...(reply.usage ? { usage: reply.usage } : {}) }, reqBody);
          return;
        }
        sendJson(res, 200, completion(JSON.stringify(reply.content), reply.finishReason ?? 'stop', reply.usage, reqBody));
        return;
      case 'prose': {
        const text = `Sure! Here is my assessment of the call {as requested}:\n\n\`\`\`json\n${JSON.stringify(reply.content, null, 2)}\n\`\`\`\n\nLet me know if you need anything else.`;
        sendJson(res, 200, completion(text, 'stop', reply.usage, reqBody));
        return;
      }
      case 'prompt-filtered':
        // Azure's shape (learn.microsoft.com, content filtering): the filter result per category.
        sendJson(res, 400, {
          error: {
            message: "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
            type: null,
            param: 'prompt',
            code: 'content_filter',
            status: 400,
            innererror: {
              code: 'ResponsibleAIPolicyViolation',
              content_filter_result: {
                hate: { filtered: false, severity: 'safe' },
                jailbreak: { filtered: false, detected: false },
                self_harm: { filtered: false, severity: 'safe' },
                sexual: { filtered: false, severity: 'safe' },
                violence: { filtered: true, severity: 'medium' },
              },
            },
          },
        });
        return;
      case 'completion-filtered': {
        const body = completion('', 'content_filter', reply.usage, reqBody) as { choices: Array<Record<string, unknown>> };
        const choice = body.choices[0]!;
        choice['message'] = { role: 'assistant', content: null, refusal: null };
        choice['content_filter_results'] = {
          hate: { filtered: false, severity: 'safe' },
          self_harm: { filtered: false, severity: 'safe' },
          sexual: { filtered: true, severity: 'medium' },
          violence: { filtered: false, severity: 'safe' },
        };
        sendJson(res, 200, body);
        return;
      }
    }
  }
}

let seq = 0;
function completion(content: string, finishReason: string, usage: Usage | undefined, reqBody: unknown): object {
  const u = usage ?? { prompt_tokens: 100, completion_tokens: 20 };
  const model = (reqBody as { model?: string } | null)?.model ?? 'gpt-4o';
  return {
    id: `chatcmpl-fake${++seq}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    system_fingerprint: 'fp_fake',
    choices: [
      {
        index: 0,
        finish_reason: finishReason,
        logprobs: null,
        message: { role: 'assistant', content, refusal: null },
        content_filter_results: {},
      },
    ],
    usage: { ...u, total_tokens: u.total_tokens ?? u.prompt_tokens + u.completion_tokens },
    prompt_filter_results: [],
  };
}

function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  sendJson(res, status, { error: { code, message } }, headers);
}
