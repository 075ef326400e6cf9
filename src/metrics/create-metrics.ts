/**
 * One node's Prometheus metrics: a registry of its own (several nodes can share a process, as the
 * tests do) whose collectors read the engine, the SIP server and the alert queue when scraped.
 * Nothing is counted on the hot path except analysis timings, which only a hook can observe.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { registerAlertMetrics } from './alert-metrics.js';
import { registerAnalysisMetrics } from './analysis-metrics.js';
import { registerCallMetrics } from './calls-metrics.js';
import { registerLlmMetrics } from './llm-metrics.js';
import { registerRtpMetrics } from './rtp-metrics.js';
import { registerSipMetrics } from './sip-metrics.js';
import { registerSpeechMetrics } from './speech-metrics.js';
import type { MetricsOptions, MetricsSources, NodeMetrics } from './types.js';

export function createMetrics(sources: MetricsSources, options: MetricsOptions = {}): NodeMetrics {
  const registry = new Registry();
  // Every series, the process ones included, carries the node it came from.
  registry.setDefaultLabels({ node: sources.nodeId });

  registerCallMetrics(registry, sources.engine);
  registerSipMetrics(registry, sources.sip);
  registerRtpMetrics(registry, sources.engine);
  registerSpeechMetrics(registry, sources.engine);
  const unhookAnalysis = registerAnalysisMetrics(registry, sources.engine, options.analysisBuckets);
  registerLlmMetrics(registry, sources.llm);
  registerAlertMetrics(registry, sources.alerts, options.alertStatsTimeoutMs);
  // Includes nodejs_eventloop_lag_seconds: set by a setImmediate after each scrape, so a scrape
  // shows the lag measured at the previous one (prom-client's design).
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  let closed: Promise<void> | undefined;
  return {
    registry,
    contentType: registry.contentType,
    render: () => registry.metrics(),
    close() {
      closed ??= (async () => {
        unhookAnalysis();
        registry.clear();
      })();
      return closed;
    },
  };
}
