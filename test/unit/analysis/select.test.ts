import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { selectAnalyzer, analyzeForCall } from '../../../src/analysis/select.js';
import { ChainAnalyzer } from '../../../src/analysis/chain/index.js';
import { OpenAIAnalyzer } from '../../../src/analysis/openai/index.js';
import type { Analyzer } from '../../../src/analysis/types.js';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log.js';
import { FakeChatCompletions } from '../../support/fake-chat-completions.js';

const SCAM = {
  window: [
    { speaker: 'caller' as const, text: 'This is the IRS. You owe back taxes and will be arrested today.' },
    { speaker: 'caller' as const, text: 'Pay with gift cards now and read me the codes. Do not tell anyone.' },
  ],
};

describe('selectAnalyzer with an OpenAI-compatible server', () => {
  let fake: FakeChatCompletions;
  let analyzer: Analyzer | undefined;
  beforeEach(async () => {
    fake = await new FakeChatCompletions().start();
  });
  afterEach(async () => {
    await analyzer?.close?.();
    await fake.close();
  });

  const env = (extra: Record<string, string>) => ({ CALLGUARD_OPENAI_BASE_URL: fake.baseURL, CALLGUARD_OPENAI_MODEL: 'qwen2.5:7b', ...extra });

  it('CALLGUARD_ANALYZER=openai builds the OpenAI analyzer from the settings', async () => {
    analyzer = selectAnalyzer(loadConfig(env({ CALLGUARD_ANALYZER: 'openai', CALLGUARD_OPENAI_API_KEY: 'sk-onprem-1' })), silentLogger());
    expect(analyzer).toBeInstanceOf(OpenAIAnalyzer);
    expect((await analyzeForCall(analyzer, 'c1', SCAM)).analyzer).toBe('openai');
    expect(fake.requests[0]!.body.model).toBe('qwen2.5:7b');
    expect(fake.requests[0]!.headers.authorization).toBe('Bearer sk-onprem-1');
  });

  it('CALLGUARD_ANALYZER=chain with CALLGUARD_CHAIN_LLM=openai asks it and reports its name', async () => {
    analyzer = selectAnalyzer(loadConfig(env({ CALLGUARD_ANALYZER: 'chain', CALLGUARD_CHAIN_LLM: 'openai' })), silentLogger());
    expect(analyzer).toBeInstanceOf(ChainAnalyzer);
    const r = await analyzeForCall(analyzer, 'c1', SCAM);
    expect(r.analyzer).toBe('openai');
    expect(fake.requests).toHaveLength(1);
  });
});
