/**
 * Each collector on its own registry with a fake source: the series it exposes, that a scrape reads
 * the source's current values, and the edge cases each one handles.
 */
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { registerAlertMetrics } from '../../../src/metrics/alert-metrics.js';
import { registerAnalysisMetrics } from '../../../src/metrics/analysis-metrics.js';
import { registerCallMetrics } from '../../../src/metrics/calls-metrics.js';
import { MAX_LABEL_VALUES } from '../../../src/metrics/record-series.js';
import { registerRtpMetrics } from '../../../src/metrics/rtp-metrics.js';
import { registerSipMetrics } from '../../../src/metrics/sip-metrics.js';
import { registerSpeechMetrics } from '../../../src/metrics/speech-metrics.js';
import { parseExposition, valueOf, type Sample } from './exposition.js';
import { fakeEngine, fakeSources } from './fake-sources.js';

const scrape = async (registry: Registry): Promise<Sample[]> => parseExposition(await registry.metrics());

describe('call metrics', () => {
  it('reads live calls, offers and ended calls by reason at each scrape', async () => {
    const registry = new Registry();
    const engine = fakeEngine();
    registerCallMetrics(registry, engine);

    let s = await scrape(registry);
    expect(valueOf(s, 'callguard_calls_active')).toBe(0);
    // Every end reason is there at 0 before the first call ends.
    expect(s.filter((x) => x.name === 'callguard_calls_total').map((x) => [x.labels['end_reason'], x.value])).toContainEqual(['bye', 0]);
    expect(s.filter((x) => x.name === 'callguard_calls_total').every((x) => x.value === 0)).toBe(true);

    engine.activeCalls = 3;
    engine.counters.offers = 7;
    engine.counters.rejected = 2;
    engine.counters.metadataRefused = 1;
    engine.endReasons = { bye: 1, 'media-timeout': 1 };
    s = await scrape(registry);
    expect(valueOf(s, 'callguard_calls_active')).toBe(3);
    expect(valueOf(s, 'callguard_offers_total')).toBe(7);
    expect(valueOf(s, 'callguard_offers_rejected_total')).toBe(2);
    expect(valueOf(s, 'callguard_metadata_refused_total')).toBe(1);
    expect(valueOf(s, 'callguard_calls_total', { end_reason: 'bye' })).toBe(1);
    expect(valueOf(s, 'callguard_calls_total', { end_reason: 'media-timeout' })).toBe(1);

    // The counter follows the source; it is rebuilt, not incremented twice.
    engine.endReasons.bye = 4;
    s = await scrape(registry);
    expect(valueOf(s, 'callguard_calls_total', { end_reason: 'bye' })).toBe(4);
  });

  it('has a series per risk level from the start, each ended call under its highest level', async () => {
    const registry = new Registry();
    const engine = fakeEngine();
    registerCallMetrics(registry, engine);
    let s = await scrape(registry);
    for (const level of ['none', 'low', 'medium', 'high']) expect(valueOf(s, 'callguard_risk_level_reached_total', { level })).toBe(0);
    engine.riskReached = { none: 5, high: 1 };
    s = await scrape(registry);
    expect(valueOf(s, 'callguard_risk_level_reached_total', { level: 'none' })).toBe(5);
    expect(valueOf(s, 'callguard_risk_level_reached_total', { level: 'high' })).toBe(1);
    expect(valueOf(s, 'callguard_risk_level_reached_total', { level: 'medium' })).toBe(0);
  });
});

describe('SIP metrics', () => {
  it('exposes responses by code and the adapter counters', async () => {
    const registry = new Registry();
    const src = fakeSources();
    registerSipMetrics(registry, src.sip);
    src.sipStats = { responsesByCode: { 100: 2, 200: 2, 403: 1 }, dialogs: 1, dropped: 3, parseErrors: 4, retransmissionsAbsorbed: 5 };
    const s = await scrape(registry);
    expect(valueOf(s, 'callguard_sip_responses_total', { code: '200' })).toBe(2);
    expect(valueOf(s, 'callguard_sip_responses_total', { code: '403' })).toBe(1);
    expect(valueOf(s, 'callguard_sip_dialogs')).toBe(1);
    expect(valueOf(s, 'callguard_sip_dropped_total')).toBe(3);
    expect(valueOf(s, 'callguard_sip_parse_errors_total')).toBe(4);
    expect(valueOf(s, 'callguard_sip_retransmissions_absorbed_total')).toBe(5);
  });

  it('has no rejected series until the adapter reports them, then one per reason', async () => {
    const registry = new Registry();
    const src = fakeSources();
    registerSipMetrics(registry, src.sip);
    let s = await scrape(registry);
    expect(s.some((x) => x.name === 'callguard_sip_rejected_total')).toBe(false);
    src.sipStats = { responsesByCode: {}, rejected: { 'source-not-allowed': 2, 'too-many-dialogs': 1 } };
    s = await scrape(registry);
    expect(valueOf(s, 'callguard_sip_rejected_total', { reason: 'source-not-allowed' })).toBe(2);
    expect(valueOf(s, 'callguard_sip_rejected_total', { reason: 'too-many-dialogs' })).toBe(1);
  });

  it(`keeps at most ${MAX_LABEL_VALUES} label values and sums the rest under "other"`, async () => {
    const registry = new Registry();
    const src = fakeSources();
    registerSipMetrics(registry, src.sip);
    const rejected = Object.fromEntries(Array.from({ length: MAX_LABEL_VALUES + 10 }, (_, i) => [`reason-${i}`, 1]));
    src.sipStats = { responsesByCode: {}, rejected };
    const s = (await scrape(registry)).filter((x) => x.name === 'callguard_sip_rejected_total');
    expect(s).toHaveLength(MAX_LABEL_VALUES + 1);
    expect(valueOf(s, 'callguard_sip_rejected_total', { reason: 'other' })).toBe(10);
    expect(s.reduce((n, x) => n + x.value, 0)).toBe(MAX_LABEL_VALUES + 10);
  });
});

describe('RTP metrics', () => {
  it('reports the engine totals', async () => {
    const registry = new Registry();
    const engine = fakeEngine();
    registerRtpMetrics(registry, engine);
    engine.media = { packets: 500, lost: 7, late: 2 };
    const s = await scrape(registry);
    expect(valueOf(s, 'callguard_rtp_packets_total')).toBe(500);
    expect(valueOf(s, 'callguard_rtp_packets_lost_total')).toBe(7);
    expect(valueOf(s, 'callguard_rtp_packets_late_total')).toBe(2);
  });
});

describe('speech metrics', () => {
  it('reports recognizers and the largest lag in seconds, 0 when nothing measures it', async () => {
    const registry = new Registry();
    const engine = fakeEngine();
    registerSpeechMetrics(registry, engine);
    engine.recognizerCount = 4;
    let s = await scrape(registry);
    expect(valueOf(s, 'callguard_recognizers_active')).toBe(4);
    expect(valueOf(s, 'callguard_recognizer_lag_seconds')).toBe(0);
    engine.lagMs = 850;
    s = await scrape(registry);
    expect(valueOf(s, 'callguard_recognizer_lag_seconds')).toBe(0.85);
  });
});

describe('analysis metrics', () => {
  it('observes each analysis once through the hook, by outcome', async () => {
    const registry = new Registry();
    const engine = fakeEngine();
    registerAnalysisMetrics(registry, engine, [0.01, 0.1, 1]);
    let s = await scrape(registry);
    expect(valueOf(s, 'callguard_analyses_total', { outcome: 'ok' })).toBe(0);
    expect(valueOf(s, 'callguard_analyses_total', { outcome: 'error' })).toBe(0);

    engine.onAnalysis?.(5, true);
    engine.onAnalysis?.(50, true);
    engine.onAnalysis?.(2000, false);
    s = await scrape(registry);
    // A second scrape must not count them again.
    s = await scrape(registry);
    expect(valueOf(s, 'callguard_analyses_total', { outcome: 'ok' })).toBe(2);
    expect(valueOf(s, 'callguard_analyses_total', { outcome: 'error' })).toBe(1);
    expect(valueOf(s, 'callguard_analysis_duration_seconds_count')).toBe(3);
    expect(valueOf(s, 'callguard_analysis_duration_seconds_sum')).toBeCloseTo(2.055);
    expect(valueOf(s, 'callguard_analysis_duration_seconds_bucket', { le: '0.01' })).toBe(1);
    expect(valueOf(s, 'callguard_analysis_duration_seconds_bucket', { le: '0.1' })).toBe(2);
    expect(valueOf(s, 'callguard_analysis_duration_seconds_bucket', { le: '1' })).toBe(2);
    expect(valueOf(s, 'callguard_analysis_duration_seconds_bucket', { le: '+Inf' })).toBe(3);
  });

  it('chains the hook that was there and puts it back when unhooked', async () => {
    const engine = fakeEngine();
    const seen: number[] = [];
    const before = (ms: number): void => void seen.push(ms);
    engine.onAnalysis = before;
    const unhook = registerAnalysisMetrics(new Registry(), engine);
    engine.onAnalysis?.(12, true);
    expect(seen).toEqual([12]);
    unhook();
    expect(engine.onAnalysis).toBe(before);
  });

  it('leaves a hook installed after it alone when unhooked', () => {
    const engine = fakeEngine();
    const unhook = registerAnalysisMetrics(new Registry(), engine);
    const later = (): void => {};
    engine.onAnalysis = later;
    unhook();
    expect(engine.onAnalysis).toBe(later);
  });
});

describe('alert metrics', () => {
  const setup = (timeoutMs?: number) => {
    const registry = new Registry();
    const src = fakeSources();
    registerAlertMetrics(registry, src.alerts, timeoutMs);
    return { registry, src };
  };

  it('reports alerts by status, the queue depth and the counters, reading the queue once per scrape', async () => {
    const { registry, src } = setup();
    src.alertStats = { queued: 2, sending: 1, sent: 5, delivered: 3, undelivered: 1, dead: 1, duplicates: 4, rateLimited: 2, disputed: 1 };
    const s = await scrape(registry);
    expect(src.alertReads).toBe(1);
    for (const [status, n] of Object.entries({ queued: 2, sending: 1, sent: 5, delivered: 3, undelivered: 1, dead: 1 })) {
      expect(valueOf(s, 'callguard_alerts', { status })).toBe(n);
    }
    expect(valueOf(s, 'callguard_alert_queue_depth')).toBe(3);
    expect(valueOf(s, 'callguard_alert_duplicates_total')).toBe(4);
    expect(valueOf(s, 'callguard_alerts_disputed_total')).toBe(1);
    expect(valueOf(s, 'callguard_alerts_rate_limited_total')).toBe(2);
    expect(valueOf(s, 'callguard_alert_stats_errors_total')).toBe(0);
    await scrape(registry);
    expect(src.alertReads).toBe(2);
  });

  it('keeps the last values and counts an error when the queue cannot answer', async () => {
    const { registry, src } = setup();
    src.alertStats.sent = 2;
    src.alertStats.duplicates = 1;
    await scrape(registry);
    src.alerts.stats = () => Promise.reject(new Error('redis down'));
    const s = await scrape(registry);
    expect(valueOf(s, 'callguard_alert_stats_errors_total')).toBe(1);
    expect(valueOf(s, 'callguard_alerts', { status: 'sent' })).toBe(2);
    expect(valueOf(s, 'callguard_alert_duplicates_total')).toBe(1);
  });

  it('does not let a queue that never answers hold the scrape', async () => {
    const { registry, src } = setup(50);
    src.alerts.stats = () => new Promise(() => {});
    const t0 = performance.now();
    const s = await scrape(registry);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(valueOf(s, 'callguard_alert_stats_errors_total')).toBe(1);
  });
});
