/**
 * The LLM judge: how often its provider's content filter refused a prompt or cut an answer. Scam
 * calls hold threats and violence, so a rising rate means the chain falls back to the local judge
 * more often (worth a filter configuration for the deployment), not that the service is down. Only
 * counts: the filtered content itself is never kept.
 */
import { Counter, type Registry } from 'prom-client';
import { setFromRecord } from './record-series.js';
import type { MetricsLlm } from './types.js';

const STAGES = ['prompt', 'completion'] as const;

export function registerLlmMetrics(registry: Registry, llm: MetricsLlm | undefined): void {
  new Counter({
    name: 'callguard_llm_content_filtered_total',
    help: "LLM analyses the provider's content filter stopped, by stage (prompt: the request was refused; completion: the answer was cut). The local result stood.",
    labelNames: ['stage'],
    registers: [registry],
    collect() {
      setFromRecord(this, 'stage', llm?.llmStats()?.contentFiltered, STAGES);
    },
  });
}
