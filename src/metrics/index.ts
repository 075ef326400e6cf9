/** Prometheus metrics of a node: createMetrics() builds them, registerMetricsRoute() serves them. */
export { createMetrics } from './create-metrics.js';
export { registerMetricsRoute } from './metrics-route.js';
export { ANALYSIS_BUCKETS } from './analysis-metrics.js';
export type * from './types.js';
