import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChainAnalyzer } from '../../../../src/analysis/chain/index.js';
import { AzureOpenAIAnalyzer, AnalyzerUnavailableError } from '../../../../src/analysis/azure-openai/index.js';
import { OpenAIAnalyzer } from '../../../../src/analysis/openai/index.js';
import { createRiskState, nextRisk, type RiskAlert } from '../../../../src/analysis/policy.js';
import type { Analysis, AnalysisInput, Analyzer, LlmAnalyzerName, RiskLevel } from '../../../../src/analysis/types.js';
import { FakeChatCompletions, SCAM_ANSWER } from '../../../support/fake-chat-completions.js';

const INPUT: AnalysisInput = {
  window: [{ speaker: 'caller', text: 'This is the fraud department of your bank.' }],
};

function result(level: RiskLevel, analyzer: Analysis['analyzer'], extra: Partial<Analysis> = {}): Analysis {
  return {
    score: { none: 0, low: 0.2, medium: 0.55, high: 0.9 }[level],
    level,
    category: level === 'none' ? 'none' : 'bank',
    tactics: level === 'none' ? [] : ['impersonation'],
    explanation: `${analyzer} says ${level}`,
    analyzer,
    ...extra,
  };
}

/** A scriptable fake local analyzer: returns `level` (mutable). */
class FakeLocal implements Analyzer {
  readonly name = 'local' as const;
  calls = 0;
  constructor(public level: RiskLevel) {}
  async analyze(): Promise<Analysis> {
    this.calls++;
    return result(this.level, 'local');
  }
}

/** A fake LLM analyzer with analyzeFor: resolves `next` or rejects with it. */
class FakeLlm implements Analyzer {
  constructor(readonly name: LlmAnalyzerName = 'azure-openai') {}
  asked: Array<string | undefined> = [];
  next: Analysis | Error = result('none', 'azure-openai');
  async analyze(): Promise<Analysis> {
    return this.answer(undefined);
  }
  async analyzeFor(callId: string): Promise<Analysis> {
    return this.answer(callId);
  }
  private answer(callId: string | undefined): Analysis {
    this.asked.push(callId);
    if (this.next instanceof Error) throw this.next;
    return this.next;
  }
}

describe('ChainAnalyzer (fake analyzers)', () => {
  let now = 1_000_000;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('does not ask the LLM when local is below minLevel', async () => {
    const local = new FakeLocal('low');
    const llm = new FakeLlm();
    const chain = new ChainAnalyzer(local, llm, { now: clock });
    expect(chain.name).toBe('chain');
    const r = await chain.analyzeFor('c1', INPUT);
    expect(r).toEqual(result('low', 'local'));
    expect(llm.asked).toEqual([]);
    expect(chain.lastDecision).toBe('local-below-min');
    await chain.analyze(INPUT);
    expect(llm.asked).toEqual([]);
  });

  it('asks the LLM at medium; its result stands and may be lower (look-alike)', async () => {
    const local = new FakeLocal('medium');
    const llm = new FakeLlm();
    llm.next = result('none', 'azure-openai');
    const chain = new ChainAnalyzer(local, llm, { now: clock });
    const r = await chain.analyzeFor('c1', INPUT);
    expect(llm.asked).toEqual(['c1']);
    expect(r.analyzer).toBe('azure-openai');
    expect(r.level).toBe('none');
    expect(chain.lastDecision).toBe('llm');
  });

  it('uses analyze() of the LLM and one anonymous key from analyze()', async () => {
    const local = new FakeLocal('high');
    const llm = new FakeLlm();
    llm.next = result('high', 'azure-openai');
    const chain = new ChainAnalyzer(local, llm, { now: clock, minIntervalMs: 10_000 });
    await chain.analyze(INPUT);
    await chain.analyze(INPUT);
    expect(llm.asked).toEqual([undefined]);
  });

  it('rate-limits the LLM per call id, except that a rise to high inside the interval asks it anyway (changed: the LLM may now clear a false alarm before the SMS)', async () => {
    const local = new FakeLocal('medium');
    const llm = new FakeLlm();
    llm.next = result('none', 'azure-openai');
    const chain = new ChainAnalyzer(local, llm, { now: clock, minIntervalMs: 10_000 });

    await chain.analyzeFor('c1', INPUT);
    now += 3000;
    // Same local level: the last LLM verdict keeps standing, no new ask.
    const cached = await chain.analyzeFor('c1', INPUT);
    expect(cached.analyzer).toBe('azure-openai');
    expect(cached.level).toBe('none');
    expect(chain.lastDecision).toBe('rate-limited-cached-llm');
    // Another call is not limited by c1.
    await chain.analyzeFor('c2', INPUT);
    expect(llm.asked).toEqual(['c1', 'c2']);

    // Local rises to high, above what the LLM overruled: before, the local result stood until the
    // interval had passed; now the LLM is asked at once, and its verdict stands.
    local.level = 'high';
    now += 3000;
    const risen = await chain.analyzeFor('c1', INPUT);
    expect(risen).toEqual(result('none', 'azure-openai'));
    expect(chain.lastDecision).toBe('llm-before-alert');
    expect(llm.asked).toEqual(['c1', 'c2', 'c1']);
    // That verdict now covers high for the rest of the interval.
    now += 1000;
    expect(await chain.analyzeFor('c1', INPUT)).toEqual(result('none', 'azure-openai'));
    expect(chain.lastDecision).toBe('rate-limited-cached-llm');

    now += 3000; // 10 s since the first ask: the urgent ask did not restart the interval
    llm.next = result('high', 'azure-openai');
    const again = await chain.analyzeFor('c1', INPUT);
    expect(again.analyzer).toBe('azure-openai');
    expect(again.level).toBe('high');
    expect(llm.asked).toEqual(['c1', 'c2', 'c1', 'c1']);

    chain.endCall('c1');
    await chain.analyzeFor('c1', INPUT);
    expect(llm.asked).toEqual(['c1', 'c2', 'c1', 'c1', 'c1']);
  });

  it('LLM failure → the local result stands; a failed ask counts against the interval', async () => {
    const local = new FakeLocal('high');
    const llm = new FakeLlm();
    llm.next = new AnalyzerUnavailableError('timeout', 'no answer');
    const chain = new ChainAnalyzer(local, llm, { now: clock, minIntervalMs: 10_000 });
    const r = await chain.analyzeFor('c1', INPUT);
    expect(r).toEqual(result('high', 'local'));
    expect(chain.lastDecision).toBe('llm-failed');
    now += 1000;
    expect(await chain.analyzeFor('c1', INPUT)).toEqual(result('high', 'local'));
    expect(llm.asked).toEqual(['c1']);
    // Even an unexpected error from the LLM never rejects the chain.
    llm.next = new TypeError('boom');
    now += 10_000;
    expect((await chain.analyzeFor('c1', INPUT)).analyzer).toBe('local');
  });

  it('at high inside the interval with no LLM verdict covering it, asks the LLM before the alert; a lower verdict clears it', async () => {
    const local = new FakeLocal('medium');
    const llm = new FakeLlm('openai');
    llm.next = new AnalyzerUnavailableError('server-error', 'down');
    const chain = new ChainAnalyzer(local, llm, { now: clock, minIntervalMs: 10_000 });
    expect(await chain.analyzeFor('c1', INPUT)).toEqual(result('medium', 'local'));
    now += 2000;
    local.level = 'high';
    llm.next = result('low', 'openai');
    const r = await chain.analyzeFor('c1', INPUT);
    expect(r).toEqual(result('low', 'openai'));
    expect(chain.lastDecision).toBe('llm-before-alert');
    expect(llm.asked).toEqual(['c1', 'c1']);
  });

  it('an LLM that fails at high inside the interval leaves the local result (fail open), and is not asked again at high until the interval ends', async () => {
    const local = new FakeLocal('medium');
    const llm = new FakeLlm();
    llm.next = result('low', 'azure-openai');
    const chain = new ChainAnalyzer(local, llm, { now: clock, minIntervalMs: 10_000 });
    await chain.analyzeFor('c1', INPUT);
    now += 2000;
    local.level = 'high';
    llm.next = new AnalyzerUnavailableError('timeout', 'no answer');
    expect(await chain.analyzeFor('c1', INPUT)).toEqual(result('high', 'local'));
    expect(chain.lastDecision).toBe('llm-before-alert-failed');
    now += 2000;
    expect(await chain.analyzeFor('c1', INPUT)).toEqual(result('high', 'local'));
    expect(chain.lastDecision).toBe('rate-limited-local');
    expect(llm.asked).toEqual(['c1', 'c1']);
  });

  it("reports the LLM's own name", async () => {
    const llm = new FakeLlm('openai');
    llm.next = result('high', 'openai');
    const r = await new ChainAnalyzer(new FakeLocal('medium'), llm, { now: clock }).analyzeFor('c1', INPUT);
    expect(r.analyzer).toBe('openai');
  });

  it('rejects when the caller aborts', async () => {
    const chain = new ChainAnalyzer(new FakeLocal('high'), new FakeLlm(), { now: clock });
    const ac = new AbortController();
    ac.abort(new Error('hung up'));
    await expect(chain.analyzeFor('c1', INPUT, ac.signal)).rejects.toThrow('hung up');
  });
});

describe('ChainAnalyzer with AzureOpenAIAnalyzer against the fake server', () => {
  let fake: FakeChatCompletions;
  let llm: AzureOpenAIAnalyzer;
  beforeEach(async () => {
    fake = await new FakeChatCompletions('judge').start();
  });
  afterEach(async () => {
    await llm?.close();
    await fake.close();
  });

  function makeLlm(extra: Partial<ConstructorParameters<typeof AzureOpenAIAnalyzer>[0]> = {}): AzureOpenAIAnalyzer {
    llm = new AzureOpenAIAnalyzer({
      endpoint: fake.endpoint,
      deployment: 'judge',
      apiVersion: '2024-10-21',
      apiKey: 'k',
      timeoutMs: 200,
      ...extra,
    });
    return llm;
  }

  it('token budget per call stops further LLM calls for that call only', async () => {
    // A long deadline: this test is about the budget, and a loaded CI machine answers the first request slowly.
    const usage = { prompt_tokens: 400, completion_tokens: 100 };
    fake.defaultReply = { kind: 'json', content: SCAM_ANSWER, usage };
    const chain = new ChainAnalyzer(new FakeLocal('medium'), makeLlm({ maxTokensPerCall: 1000, timeoutMs: 2000 }), { minIntervalMs: 0 });

    const results = [];
    for (let i = 0; i < 4; i++) results.push(await chain.analyzeFor('call-A', INPUT));
    expect(results.map((r) => r.analyzer)).toEqual(['azure-openai', 'azure-openai', 'local', 'local']);
    expect(fake.requests).toHaveLength(2);
    expect(llm.tokensUsed('call-A')).toBe(1000);

    expect((await chain.analyzeFor('call-B', INPUT)).analyzer).toBe('azure-openai');
    expect(fake.requests).toHaveLength(3);

    chain.endCall('call-A'); // forwarded to the LLM analyzer
    expect(llm.tokensUsed('call-A')).toBe(0);
  });

  it('timeout, 429 and malformed answers fall back to local; open breaker makes no request', async () => {
    fake.script({ kind: 'delay', ms: 1000 }, { kind: '429' }, { kind: 'malformed' });
    const chain = new ChainAnalyzer(new FakeLocal('high'), makeLlm({ breaker: { failures: 3, openMs: 60_000 } }), {
      minIntervalMs: 0,
    });
    for (let i = 0; i < 5; i++) {
      const r = await chain.analyzeFor('c', INPUT);
      expect(r).toEqual(result('high', 'local'));
    }
    expect(fake.requests).toHaveLength(3);
    expect(llm.breakerState).toBe('open');
  });
});

/** Feeds chain results through the escalation policy, as the call actor does. */
function alertsOf(results: Analysis[]): RiskAlert[] {
  let state = createRiskState();
  const alerts: RiskAlert[] = [];
  for (const r of results) {
    const next = nextRisk(state, r);
    state = next.state;
    if (next.alert) alerts.push(next.alert);
  }
  return alerts;
}

const LEGIT_ANSWER = {
  score: 0.05,
  level: 'none',
  category: 'none',
  tactics: [],
  explanation: 'The caller reports suspicious activity and asks for nothing.',
} as const;

describe('ChainAnalyzer with OpenAIAnalyzer against the fake server', () => {
  let fake: FakeChatCompletions;
  let llm: OpenAIAnalyzer | undefined;
  beforeEach(async () => {
    fake = await new FakeChatCompletions().start();
  });
  afterEach(async () => {
    await llm?.close();
    await fake.close();
  });

  const makeLlm = (timeoutMs = 500): OpenAIAnalyzer => (llm = new OpenAIAnalyzer({ baseURL: fake.baseURL, model: 'judge', timeoutMs }));

  it('clears a local high false alarm inside the interval before any alert', async () => {
    fake.defaultReply = { kind: 'json', content: LEGIT_ANSWER };
    const local = new FakeLocal('medium');
    const chain = new ChainAnalyzer(local, makeLlm(), { minIntervalMs: 60_000 });
    const results = [await chain.analyzeFor('c', INPUT)];
    local.level = 'high'; // new words the LLM has not judged yet
    results.push(await chain.analyzeFor('c', INPUT));
    expect(chain.lastDecision).toBe('llm-before-alert');
    results.push(await chain.analyzeFor('c', INPUT));
    expect(results.map((r) => [r.analyzer, r.level])).toEqual([
      ['openai', 'none'],
      ['openai', 'none'],
      ['openai', 'none'],
    ]);
    expect(fake.requests).toHaveLength(2);
    expect(alertsOf(results)).toEqual([]);
  });

  it('confirms a local medium as high, so the alert goes out on that window', async () => {
    const chain = new ChainAnalyzer(new FakeLocal('medium'), makeLlm());
    const r = await chain.analyzeFor('c', INPUT);
    expect(r).toMatchObject({ analyzer: 'openai', level: 'high' });
    expect(alertsOf([r])).toMatchObject([{ analyzer: 'openai', level: 'high' }]);
  });

  it('a slow server: the chain waits at most the LLM timeout, then the local high stands and alerts', async () => {
    fake.defaultReply = { kind: 'delay', ms: 3000, then: { kind: 'json', content: LEGIT_ANSWER } };
    const chain = new ChainAnalyzer(new FakeLocal('high'), makeLlm(200));
    const t0 = Date.now();
    const r = await chain.analyzeFor('c', INPUT);
    expect(Date.now() - t0).toBeLessThan(1500);
    expect(r).toEqual(result('high', 'local'));
    expect(chain.lastDecision).toBe('llm-failed');
    expect(alertsOf([r])).toHaveLength(1);
  });
});

describe('ChainAnalyzer with Azure OpenAI content filtering', () => {
  let fake: FakeChatCompletions;
  let llm: AzureOpenAIAnalyzer | undefined;
  beforeEach(async () => {
    fake = await new FakeChatCompletions('judge').start();
  });
  afterEach(async () => {
    await llm?.close();
    await fake.close();
  });

  it('a refused prompt or a cut answer → the local result stands, and the chain reports the count', async () => {
    llm = new AzureOpenAIAnalyzer({ endpoint: fake.endpoint, deployment: 'judge', apiVersion: '2024-10-21', apiKey: 'k', timeoutMs: 500 });
    fake.script({ kind: 'prompt-filtered' }, { kind: 'completion-filtered' });
    const chain = new ChainAnalyzer(new FakeLocal('high'), llm, { minIntervalMs: 0 });
    expect(await chain.analyzeFor('c', INPUT)).toEqual(result('high', 'local'));
    expect(await chain.analyzeFor('c', INPUT)).toEqual(result('high', 'local'));
    expect(chain.llmStats()).toEqual({ contentFiltered: { prompt: 1, completion: 1 } });
  });
});
