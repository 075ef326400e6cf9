/** Plain-object sources for the collectors: tests set fields and scrape. */
import type { AlertQueueStats } from '../../../src/alerts/types.js';
import type { MediaTotals, MetricsEngine, MetricsSipStats, MetricsSources } from '../../../src/metrics/types.js';

export interface FakeEngine extends MetricsEngine {
  activeCalls: number;
  counters: { offers: number; rejected: number; ended: number; metadataRefused: number };
  endReasons: Record<string, number>;
  riskReached: Record<string, number>;
  recognizerCount: number;
  media: MediaTotals;
  lagMs: number | undefined;
}

export function fakeEngine(): FakeEngine {
  return {
    activeCalls: 0,
    counters: { offers: 0, rejected: 0, ended: 0, metadataRefused: 0 },
    endReasons: {},
    riskReached: {},
    recognizerCount: 0,
    media: { packets: 0, lost: 0, late: 0 },
    lagMs: undefined,
    mediaTotals() {
      return { ...this.media };
    },
    recognizerLagMs() {
      return this.lagMs;
    },
  };
}

export const emptyAlertStats = (): AlertQueueStats => ({
  queued: 0,
  sending: 0,
  sent: 0,
  delivered: 0,
  undelivered: 0,
  dead: 0,
  duplicates: 0,
  rateLimited: 0,
  disputed: 0,
});

export interface FakeSources extends MetricsSources {
  engine: FakeEngine;
  sipStats: MetricsSipStats;
  alertStats: AlertQueueStats;
  /** stats() calls the alert source has answered. */
  alertReads: number;
}

export function fakeSources(nodeId = 'node-a'): FakeSources {
  const s: FakeSources = {
    nodeId,
    engine: fakeEngine(),
    sipStats: { responsesByCode: {} },
    alertStats: emptyAlertStats(),
    alertReads: 0,
    sip: { stats: () => structuredClone(s.sipStats) },
    alerts: {
      stats: async () => {
        s.alertReads++;
        return { ...s.alertStats };
      },
    },
  };
  return s;
}
