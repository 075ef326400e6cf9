import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AzureOpenAIAnalyzer } from '../../../../src/analysis/azure-openai/index.js';
import type { AnalysisInput } from '../../../../src/analysis/types.js';
import { FakeChatCompletions, SCAM_ANSWER } from '../../../support/fake-chat-completions.js';
import { capturedLog, failure } from '../../../support/llm-test-kit.js';

const KEY = 'test-key-0123456789';
const INPUT: AnalysisInput = {
  window: [
    { speaker: 'caller', text: 'This is the tax office, you owe back taxes zebra-marker-7.' },
    { speaker: 'subscriber', text: 'Oh no, what do I do?' },
    { speaker: 'caller', text: 'Pay today with gift cards or you will be arrested.' },
  ],
  language: 'en-US',
};

let fake: FakeChatCompletions;
const open: AzureOpenAIAnalyzer[] = [];

function make(opts: Partial<ConstructorParameters<typeof AzureOpenAIAnalyzer>[0]> = {}): AzureOpenAIAnalyzer {
  const a = new AzureOpenAIAnalyzer({
    endpoint: fake.endpoint,
    deployment: fake.deployment,
    apiVersion: '2024-10-21',
    apiKey: KEY,
    timeoutMs: 300,
    ...opts,
  });
  open.push(a);
  return a;
}

beforeEach(async () => {
  fake = await new FakeChatCompletions('scam-judge').start();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await fake.close();
});

describe('AzureOpenAIAnalyzer', () => {
  it('parses a well-formed answer and sends key, json_schema and the window', async () => {
    const a = make();
    const r = await a.analyze(INPUT);
    expect(r).toEqual({ ...SCAM_ANSWER, tactics: [...SCAM_ANSWER.tactics], analyzer: 'azure-openai' });
    expect(a.name).toBe('azure-openai');

    expect(fake.requests).toHaveLength(1);
    const req = fake.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/openai/deployments/scam-judge/chat/completions');
    expect(req.query.get('api-version')).toBe('2024-10-21');
    expect(req.headers['api-key']).toBe(KEY);
    expect(req.body.response_format.type).toBe('json_schema');
    expect(req.body.response_format.json_schema.strict).toBe(true);
    expect(req.body.response_format.json_schema.schema.required).toEqual([
      'score',
      'level',
      'category',
      'tactics',
      'explanation',
    ]);
    const [system, user] = req.body.messages;
    expect(system.role).toBe('system');
    expect(system.content).toMatch(/fraud desk/);
    expect(user.role).toBe('user');
    expect(user.content).toContain('caller: This is the tax office, you owe back taxes zebra-marker-7.');
    expect(user.content).toContain('subscriber: Oh no, what do I do?');
  });

  it('uses Authorization: Bearer with an Entra token provider', async () => {
    const a = new AzureOpenAIAnalyzer({
      endpoint: fake.endpoint,
      deployment: fake.deployment,
      apiVersion: '2024-10-21',
      azureADTokenProvider: async () => 'entra-token',
    });
    open.push(a);
    await a.analyze(INPUT);
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer entra-token');
    expect(fake.requests[0]!.headers['api-key']).toBeUndefined();
  });

  it('malformed JSON, schema violations and cut-off answers → malformed', async () => {
    const a = make({ breaker: { failures: 10 } });
    fake.script(
      { kind: 'malformed' },
      { kind: 'json', content: { ...SCAM_ANSWER, level: 'extreme' } },
      { kind: 'json', content: { ...SCAM_ANSWER, score: 3 } },
      { kind: 'json', content: { ...SCAM_ANSWER, extra: 1 } },
      { kind: 'json', content: SCAM_ANSWER, finishReason: 'length' },
    );
    for (let i = 0; i < 5; i++) expect((await failure(a.analyze(INPUT))).code).toBe('malformed');
  });

  it('timeout → AnalyzerUnavailableError(timeout)', async () => {
    const a = make({ timeoutMs: 150 });
    fake.script({ kind: 'delay', ms: 2000 });
    const t0 = Date.now();
    const err = await failure(a.analyze(INPUT));
    expect(err.code).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('429 → rate-limited with Retry-After; requests wait out Retry-After without reaching the server', async () => {
    const a = make();
    fake.script({ kind: '429', retryAfterSeconds: 1 });
    const err = await failure(a.analyze(INPUT));
    expect(err.code).toBe('rate-limited');
    expect(err.status).toBe(429);
    expect(err.retryAfterMs).toBe(1000);
    const again = await failure(a.analyze(INPUT));
    expect(again.code).toBe('rate-limited');
    expect(fake.requests).toHaveLength(1);
  });

  it('500 → server-error', async () => {
    const a = make();
    fake.script({ kind: 'status', status: 500 });
    expect((await failure(a.analyze(INPUT))).code).toBe('server-error');
  });

  it('honours the caller AbortSignal and does not count it against the breaker', async () => {
    const a = make({ timeoutMs: 2000, breaker: { failures: 1 } });
    fake.script({ kind: 'delay', ms: 1000 });
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    expect((await failure(a.analyze(INPUT, ac.signal))).code).toBe('aborted');
    expect(a.breakerState).toBe('closed');
    const pre = new AbortController();
    pre.abort();
    expect((await failure(a.analyze(INPUT, pre.signal))).code).toBe('aborted');
    expect(fake.requests).toHaveLength(1);
  });

  it('opens the breaker after N consecutive failures, fails fast, half-opens after openMs', async () => {
    const a = make({ timeoutMs: 150, breaker: { failures: 3, openMs: 200 } });
    fake.script({ kind: 'malformed' }, { kind: 'delay', ms: 1000 }, { kind: '429' });
    expect((await failure(a.analyze(INPUT))).code).toBe('malformed');
    expect((await failure(a.analyze(INPUT))).code).toBe('timeout');
    expect(a.breakerState).toBe('closed');
    expect((await failure(a.analyze(INPUT))).code).toBe('rate-limited');
    expect(a.breakerState).toBe('open');
    expect(fake.requests).toHaveLength(3);

    expect((await failure(a.analyze(INPUT))).code).toBe('circuit-open');
    expect(fake.requests).toHaveLength(3); // nothing reached the server

    await new Promise((r) => setTimeout(r, 250));
    expect(a.breakerState).toBe('half-open');
    // Failed trial re-opens at once.
    fake.script({ kind: 'status', status: 503 });
    expect((await failure(a.analyze(INPUT))).code).toBe('server-error');
    expect(a.breakerState).toBe('open');
    expect((await failure(a.analyze(INPUT))).code).toBe('circuit-open');
    expect(fake.requests).toHaveLength(4);

    await new Promise((r) => setTimeout(r, 250));
    const r = await a.analyze(INPUT); // successful trial closes it
    expect(r.level).toBe('high');
    expect(a.breakerState).toBe('closed');
    expect(fake.requests).toHaveLength(5);
  });

  it('a success resets the consecutive-failure count', async () => {
    const a = make({ breaker: { failures: 2, openMs: 10_000 } });
    fake.script({ kind: 'status', status: 500 }, { kind: 'json', content: SCAM_ANSWER }, { kind: 'status', status: 500 });
    await failure(a.analyze(INPUT));
    await a.analyze(INPUT);
    await failure(a.analyze(INPUT));
    expect(a.breakerState).toBe('closed');
  });

  it('counts usage per call id and stops at maxTokensPerCall', async () => {
    const a = make({ maxTokensPerCall: 250 });
    const usage = { prompt_tokens: 100, completion_tokens: 20 };
    fake.script(
      { kind: 'json', content: SCAM_ANSWER, usage },
      { kind: 'json', content: SCAM_ANSWER, usage },
      { kind: 'json', content: SCAM_ANSWER, usage },
    );
    await a.analyzeFor('call-1', INPUT);
    await a.analyzeFor('call-1', INPUT);
    expect(a.tokensUsed('call-1')).toBe(240);
    await a.analyzeFor('call-1', INPUT); // 240 < 250: allowed, now 360
    expect((await failure(a.analyzeFor('call-1', INPUT))).code).toBe('budget-exhausted');
    expect(fake.requests).toHaveLength(3);
    expect(a.breakerState).toBe('closed');
    // Other calls and analyze() are unaffected.
    await a.analyzeFor('call-2', INPUT);
    await a.analyze(INPUT);
    a.endCall('call-1');
    expect(a.tokensUsed('call-1')).toBe(0);
  });

  it('never logs transcript text, prompts, model output or the key', async () => {
    const log = capturedLog();
    const a = make({ logger: log.logger, breaker: { failures: 1 } });
    fake.script({ kind: 'json', content: SCAM_ANSWER }, { kind: 'malformed' });
    await a.analyzeFor('call-x', INPUT);
    await failure(a.analyzeFor('call-x', INPUT));
    await failure(a.analyzeFor('call-x', INPUT));
    const all = log.text();
    expect(all).toContain('llm analysis failed');
    for (const secret of [KEY, 'zebra-marker-7', 'gift cards', 'fraud desk', SCAM_ANSWER.explanation]) {
      expect(all).not.toContain(secret);
    }
  });

  it('content filter refusing the prompt (400 content_filter, ResponsibleAIPolicyViolation) → content-filtered, counted, breaker untouched', async () => {
    const a = make({ breaker: { failures: 2 } });
    fake.script({ kind: 'prompt-filtered' }, { kind: 'prompt-filtered' }, { kind: 'prompt-filtered' });
    for (let i = 0; i < 3; i++) {
      const err = await failure(a.analyzeFor('call-f', INPUT));
      expect(err.code).toBe('content-filtered');
      expect(err.status).toBe(400);
    }
    // Expected traffic for scam calls, not an outage: the next request still goes out.
    expect(a.breakerState).toBe('closed');
    expect(a.llmStats().contentFiltered).toEqual({ prompt: 3, completion: 0 });
    expect((await a.analyze(INPUT)).level).toBe('high');
    expect(fake.requests).toHaveLength(4);
  });

  it('content filter cutting the answer (finish_reason content_filter, content_filter_results) → content-filtered, counted, tokens charged', async () => {
    const a = make();
    fake.script({ kind: 'completion-filtered', usage: { prompt_tokens: 90, completion_tokens: 5 } });
    const err = await failure(a.analyzeFor('call-g', INPUT));
    expect(err.code).toBe('content-filtered');
    expect(a.llmStats().contentFiltered).toEqual({ prompt: 0, completion: 1 });
    expect(a.tokensUsed('call-g')).toBe(95);
    expect(a.breakerState).toBe('closed');
  });

  it('logs a content-filter event without content, categories or severities', async () => {
    const log = capturedLog();
    const a = make({ logger: log.logger });
    fake.script({ kind: 'prompt-filtered' }, { kind: 'completion-filtered' });
    await failure(a.analyzeFor('call-h', INPUT));
    await failure(a.analyzeFor('call-h', INPUT));
    const all = log.text();
    expect(all.match(/"code":"content-filtered"/g)).toHaveLength(2);
    for (const secret of [KEY, 'zebra-marker-7', 'gift cards', 'violence', 'sexual', 'severity', 'management policy']) {
      expect(all).not.toContain(secret);
    }
  });
});
