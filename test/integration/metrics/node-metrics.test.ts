/**
 * A real node (native SIP, UDP media, the local analyzer, the memory alert queue) records one scam
 * call from `callguard simulate`; its metrics then show the call, the SIP answer, the RTP, the
 * analysis, the risk it reached and the alert, all as parseable Prometheus text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningNode } from '../../../src/app.js';
import { createMetrics, type NodeMetrics } from '../../../src/metrics/index.js';
import { simulateCall, startTestNode, waitFor } from '../../e2e/support.js';
import { ScamLineFactory } from '../../support/scam-line-recognizer.js';
import { parseExposition, valueOf, type Sample } from '../../unit/metrics/exposition.js';

const NODE = 'metrics-it';

describe('metrics of a node that recorded a call', () => {
  let node: RunningNode | undefined;
  let metrics: NodeMetrics | undefined;
  afterEach(async () => {
    await metrics?.close();
    await node?.close();
    node = undefined;
    metrics = undefined;
  });

  const scrape = async (): Promise<Sample[]> => parseExposition(await metrics!.render());
  /** Scrapes until `cond` holds on the samples (values the queue or the media sweep settle later). */
  const scrapeUntil = async (cond: (s: Sample[]) => boolean, timeoutMs = 5000): Promise<Sample[]> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const s = await scrape();
      if (cond(s) || Date.now() > until) return s;
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  it('counts the call, its SIP answer, RTP, analysis, risk and alert', async () => {
    node = await startTestNode({}, { speech: new ScamLineFactory() });
    metrics = createMetrics({ engine: node.engine, sip: node.sip, alerts: node.alertQueue, nodeId: NODE });

    const idle = await scrape();
    expect(valueOf(idle, 'callguard_calls_active')).toBe(0);
    expect(valueOf(idle, 'callguard_calls_total', { end_reason: 'bye' })).toBe(0);
    expect(valueOf(idle, 'callguard_rtp_packets_total')).toBe(0);

    const sim = simulateCall(node, { duration: 2 });
    await waitFor(() => node!.engine.activeCalls === 1, 5000);
    const live = await scrapeUntil((s) => (valueOf(s, 'callguard_rtp_packets_total') ?? 0) > 0);
    expect(valueOf(live, 'callguard_calls_active')).toBe(1);
    expect(valueOf(live, 'callguard_recognizers_active')).toBe(2);
    const livePackets = valueOf(live, 'callguard_rtp_packets_total')!;
    expect(livePackets).toBeGreaterThan(0);

    const result = await sim;
    expect(result).toMatchObject({ answered: true, clean: true });
    await waitFor(() => node!.engine.activeCalls === 0, 5000);
    await node.alerts.settle();
    const s = await scrapeUntil((x) => (valueOf(x, 'callguard_alerts', { status: 'sent' }) ?? 0) >= 1);

    // Every sample carries the node; the text parsed line by line above.
    for (const sample of s) expect(sample.labels['node'], sample.name).toBe(NODE);
    expect(valueOf(s, 'callguard_calls_active')).toBe(0);
    expect(valueOf(s, 'callguard_calls_total', { end_reason: 'bye' })).toBe(1);
    expect(s.filter((x) => x.name === 'callguard_calls_total').reduce((n, x) => n + x.value, 0)).toBe(1);
    expect(valueOf(s, 'callguard_offers_total')).toBe(1);
    expect(valueOf(s, 'callguard_sip_responses_total', { code: '200' })).toBeGreaterThanOrEqual(1);
    // The ended call's packets moved to the running total: the counter did not drop.
    expect(valueOf(s, 'callguard_rtp_packets_total')).toBeGreaterThanOrEqual(livePackets);
    expect(valueOf(s, 'callguard_rtp_packets_total')).toBeGreaterThan(50);
    expect(valueOf(s, 'callguard_recognizers_active')).toBe(0);
    const analyses = valueOf(s, 'callguard_analyses_total', { outcome: 'ok' })!;
    expect(analyses).toBeGreaterThanOrEqual(1);
    expect(valueOf(s, 'callguard_analysis_duration_seconds_count')).toBe(analyses + valueOf(s, 'callguard_analyses_total', { outcome: 'error' })!);
    expect(valueOf(s, 'callguard_risk_level_reached_total', { level: 'high' })).toBe(1);
    expect(valueOf(s, 'callguard_risk_level_reached_total', { level: 'none' })).toBe(0);
    expect(valueOf(s, 'callguard_alerts', { status: 'sent' })).toBe(1);
    expect(valueOf(s, 'callguard_alert_queue_depth')).toBe(0);
    expect(valueOf(s, 'callguard_alert_duplicates_total')).toBe(0);
    expect(valueOf(s, 'callguard_alert_stats_errors_total')).toBe(0);
    expect(s.some((x) => x.name === 'nodejs_eventloop_lag_seconds')).toBe(true);

    const text = await metrics.render();
    expect(text).toContain(`callguard_calls_total{end_reason="bye",node="${NODE}"} 1`);
  });
});
