/**
 * Analysis: how many analyses ran and how long they took. A histogram needs each observation, and
 * the engine's analysisTimes is a bounded list that drops its oldest entries (so "what is new since
 * the last scrape" cannot be told once it is full): the collector hooks the engine's onAnalysis
 * instead, chaining whatever hook was there and restoring it on close.
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { MetricsEngine, Unhook } from './types.js';

/** Seconds: the local analyzer answers in about a millisecond, an LLM in one to several seconds. */
export const ANALYSIS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

export function registerAnalysisMetrics(registry: Registry, engine: MetricsEngine, buckets = ANALYSIS_BUCKETS): Unhook {
  const registers = [registry];
  const total = new Counter({
    name: 'callguard_analyses_total',
    help: 'Transcript analyses finished, by outcome (ok, error; an analysis stopped by the call ending counts as error).',
    labelNames: ['outcome'],
    registers,
  });
  // Both outcomes exist from the start, so an error rate reads 0 rather than nothing.
  total.inc({ outcome: 'ok' }, 0);
  total.inc({ outcome: 'error' }, 0);
  const duration = new Histogram({
    name: 'callguard_analysis_duration_seconds',
    help: 'Time from starting a transcript analysis to its result or failure.',
    buckets,
    registers,
  });
  const previous = engine.onAnalysis;
  const hook = (ms: number, ok: boolean): void => {
    previous?.(ms, ok);
    total.inc({ outcome: ok ? 'ok' : 'error' });
    duration.observe(ms / 1000);
  };
  engine.onAnalysis = hook;
  return () => {
    // Only undo our own hook: someone who replaced it since keeps theirs.
    if (engine.onAnalysis === hook) engine.onAnalysis = previous;
  };
}
