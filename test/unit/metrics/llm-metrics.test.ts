import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { LlmStats } from '../../../src/analysis/types.js';
import { registerLlmMetrics } from '../../../src/metrics/llm-metrics.js';
import { parseExposition, valueOf } from './exposition.js';

describe('LLM metrics', () => {
  it('reads content-filter refusals by stage at each scrape; both stages exist at 0, with or without an LLM', async () => {
    const stats: LlmStats = { contentFiltered: { prompt: 0, completion: 0 } };
    const registry = new Registry();
    registerLlmMetrics(registry, { llmStats: () => structuredClone(stats) });
    let s = parseExposition(await registry.metrics());
    expect(valueOf(s, 'callguard_llm_content_filtered_total', { stage: 'prompt' })).toBe(0);
    expect(valueOf(s, 'callguard_llm_content_filtered_total', { stage: 'completion' })).toBe(0);

    stats.contentFiltered = { prompt: 2, completion: 1 };
    s = parseExposition(await registry.metrics());
    expect(valueOf(s, 'callguard_llm_content_filtered_total', { stage: 'prompt' })).toBe(2);
    expect(valueOf(s, 'callguard_llm_content_filtered_total', { stage: 'completion' })).toBe(1);

    const none = new Registry();
    registerLlmMetrics(none, undefined);
    expect(valueOf(parseExposition(await none.metrics()), 'callguard_llm_content_filtered_total', { stage: 'prompt' })).toBe(0);
  });
});
