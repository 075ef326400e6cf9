import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OpenAIAnalyzer, type OpenAIAnalyzerOptions } from '../../../../src/analysis/openai/index.js';
import type { AnalysisInput } from '../../../../src/analysis/types.js';
import { FakeChatCompletions, SCAM_ANSWER } from '../../../support/fake-chat-completions.js';
import { capturedLog, failure } from '../../../support/llm-test-kit.js';

const KEY = 'onprem-key-0123456789';
const INPUT: AnalysisInput = {
  window: [
    { speaker: 'caller', text: 'This is the sheriff, there is a warrant in your name walrus-token-3.' },
    { speaker: 'caller', text: 'Buy gift cards and read me the numbers.' },
  ],
};
const EXPECTED = { ...SCAM_ANSWER, tactics: [...SCAM_ANSWER.tactics], analyzer: 'openai' };

let fake: FakeChatCompletions;
const open: OpenAIAnalyzer[] = [];

function make(opts: Partial<OpenAIAnalyzerOptions> = {}): OpenAIAnalyzer {
  const a = new OpenAIAnalyzer({ baseURL: fake.baseURL, model: 'llama3.1:8b', timeoutMs: 500, ...opts });
  open.push(a);
  return a;
}

const formats = () => fake.requests.map((r) => r.body.response_format.type);

beforeEach(async () => {
  fake = await new FakeChatCompletions().start();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((a) => a.close()));
  await fake.close();
});

describe('OpenAIAnalyzer (OpenAI-compatible server)', () => {
  it('asks POST /v1/chat/completions with the model and strict json_schema; no key, no Authorization header', async () => {
    const a = make();
    expect(a.name).toBe('openai');
    expect(await a.analyze(INPUT)).toEqual(EXPECTED);
    const req = fake.requests[0]!;
    expect(req.path).toBe('/v1/chat/completions');
    expect(req.body.model).toBe('llama3.1:8b');
    expect(req.body.response_format.type).toBe('json_schema');
    expect(req.body.response_format.json_schema.strict).toBe(true);
    expect(req.body.messages[1].content).toContain('walrus-token-3');
    expect(req.headers.authorization).toBeUndefined();
    expect(a.answerMode).toBe('json_schema');
  });

  it('sends the key as a bearer token when there is one', async () => {
    await make({ apiKey: KEY }).analyze(INPUT);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('a server that ignores response_format (prose around a ```json fence): the object is taken, and JSON mode is remembered', async () => {
    fake.ignoresResponseFormat = true;
    const a = make();
    expect(await a.analyze(INPUT)).toEqual(EXPECTED);
    expect(a.answerMode).toBe('json_object');
    expect(await a.analyze(INPUT)).toEqual(EXPECTED);
    expect(formats()).toEqual(['json_schema', 'json_object']);
    // JSON mode spells the schema out in the system prompt.
    const system = fake.requests[1]!.body.messages[0].content as string;
    expect(system).toContain('JSON Schema');
    expect(system).toContain('"required":["score","level","category","tactics","explanation"]');
  });

  it('a server that answers 400 to json_schema: asked again at once in JSON mode, and from then on only in JSON mode', async () => {
    fake.rejectsJsonSchema = true;
    const a = make();
    expect(await a.analyze(INPUT)).toEqual(EXPECTED);
    expect(formats()).toEqual(['json_schema', 'json_object']);
    expect(a.answerMode).toBe('json_object');
    expect(await a.analyze(INPUT)).toEqual(EXPECTED);
    expect(formats()).toEqual(['json_schema', 'json_object', 'json_object']);
    expect(a.breakerState).toBe('closed');
  });

  it('a 400 that JSON mode gets too is not about the format: http-error, json_schema kept', async () => {
    const a = make();
    fake.script({ kind: 'status', status: 400 }, { kind: 'status', status: 400 });
    const err = await failure(a.analyze(INPUT));
    expect(err.code).toBe('http-error');
    expect(err.status).toBe(400);
    expect(a.answerMode).toBe('json_schema');
  });

  it('an answer that still fails validation in JSON mode → malformed', async () => {
    fake.ignoresResponseFormat = true;
    const a = make({ breaker: { failures: 10 } });
    fake.script(
      { kind: 'json', content: { ...SCAM_ANSWER, level: 'extreme' } },
      { kind: 'content', content: 'I think this is probably a scam.' },
      { kind: 'content', content: '```json\n{"score": 0.9, "level": "hi\n```' },
    );
    for (let i = 0; i < 3; i++) expect((await failure(a.analyze(INPUT))).code).toBe('malformed');
    expect(a.answerMode).toBe('json_object');
  });

  it('a slow server → timeout within the deadline', async () => {
    const a = make({ timeoutMs: 150 });
    fake.script({ kind: 'delay', ms: 2000 });
    const t0 = Date.now();
    expect((await failure(a.analyze(INPUT))).code).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('the JSON-mode retry after a 400 shares the one deadline', async () => {
    fake.rejectsJsonSchema = true;
    const a = make({ timeoutMs: 300 });
    fake.script({ kind: 'delay', ms: 2000 });
    const t0 = Date.now();
    expect((await failure(a.analyze(INPUT))).code).toBe('timeout');
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(formats()).toEqual(['json_schema', 'json_object']);
  });

  it('opens the breaker after repeated failures and then makes no request', async () => {
    const a = make({ timeoutMs: 150, breaker: { failures: 3, openMs: 60_000 } });
    fake.script({ kind: 'status', status: 503 }, { kind: 'delay', ms: 1000 }, { kind: 'malformed' });
    expect((await failure(a.analyze(INPUT))).code).toBe('server-error');
    expect((await failure(a.analyze(INPUT))).code).toBe('timeout');
    expect((await failure(a.analyze(INPUT))).code).toBe('malformed');
    expect(a.breakerState).toBe('open');
    expect((await failure(a.analyze(INPUT))).code).toBe('circuit-open');
    expect(fake.requests).toHaveLength(3);
  });

  it('keeps a token budget per call, counting the JSON-mode retry', async () => {
    fake.rejectsJsonSchema = true;
    const a = make({ maxTokensPerCall: 300 });
    fake.defaultReply = { kind: 'json', content: SCAM_ANSWER, usage: { prompt_tokens: 150, completion_tokens: 50 } };
    await a.analyzeFor('call-1', INPUT); // 400 (no usage) + 200 tokens
    expect(a.tokensUsed('call-1')).toBe(200);
    await a.analyzeFor('call-1', INPUT); // 400 tokens now
    expect((await failure(a.analyzeFor('call-1', INPUT))).code).toBe('budget-exhausted');
    expect(fake.requests).toHaveLength(3);
    await a.analyzeFor('call-2', INPUT);
    a.endCall('call-1');
    expect(a.tokensUsed('call-1')).toBe(0);
  });

  it('never logs transcript text, prompts, answers or the key', async () => {
    const log = capturedLog();
    fake.ignoresResponseFormat = true;
    const a = make({ apiKey: KEY, logger: log.logger });
    await a.analyzeFor('call-x', INPUT);
    fake.script({ kind: 'content', content: 'no json here walrus' });
    await failure(a.analyzeFor('call-x', INPUT));
    const all = log.text();
    expect(all).toContain('JSON mode from now on');
    expect(all).toContain('llm analysis failed');
    for (const secret of [KEY, 'walrus', 'gift cards', 'fraud desk', SCAM_ANSWER.explanation]) expect(all).not.toContain(secret);
  });
});
