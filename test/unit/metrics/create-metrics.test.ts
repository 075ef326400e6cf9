/**
 * createMetrics: a registry per node (never the global one), the node label on every series, the
 * process metrics, text that parses, and a close() that unhooks from the engine.
 */
import Fastify from 'fastify';
import { register as globalRegistry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, registerMetricsRoute, type NodeMetrics } from '../../../src/metrics/index.js';
import { parseExposition, valueOf } from './exposition.js';
import { fakeSources } from './fake-sources.js';

const CALLGUARD_METRICS = [
  'callguard_calls_active',
  'callguard_calls_total',
  'callguard_offers_total',
  'callguard_offers_rejected_total',
  'callguard_risk_level_reached_total',
  'callguard_sip_responses_total',
  'callguard_sip_rejected_total',
  'callguard_sip_dialogs',
  'callguard_sip_dropped_total',
  'callguard_sip_parse_errors_total',
  'callguard_sip_retransmissions_absorbed_total',
  'callguard_rtp_packets_total',
  'callguard_rtp_packets_lost_total',
  'callguard_rtp_packets_late_total',
  'callguard_recognizers_active',
  'callguard_recognizer_lag_seconds',
  'callguard_analyses_total',
  'callguard_analysis_duration_seconds',
  'callguard_alerts',
  'callguard_alert_queue_depth',
  'callguard_alert_duplicates_total',
  'callguard_alerts_disputed_total',
  'callguard_alerts_rate_limited_total',
  'callguard_alert_stats_errors_total',
];

describe('createMetrics', () => {
  const open: NodeMetrics[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((m) => m.close()));
  });
  const make = (...args: Parameters<typeof createMetrics>): NodeMetrics => {
    const m = createMetrics(...args);
    open.push(m);
    return m;
  };

  it('registers every callguard metric with help text, in its own registry', async () => {
    const m = make(fakeSources(), { processMetrics: false });
    const text = await m.render();
    for (const name of CALLGUARD_METRICS) expect(text).toMatch(new RegExp(`^# HELP ${name} \\S.*$`, 'm'));
    expect(m.registry).not.toBe(globalRegistry);
    expect(globalRegistry.getSingleMetric('callguard_calls_active')).toBeUndefined();
    expect(m.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('labels every sample with the node, process metrics included, and the text parses', async () => {
    const src = fakeSources('node-7');
    src.engine.endReasons = { bye: 2 };
    src.sipStats = { responsesByCode: { 200: 2 } };
    const m = make(src);
    const samples = parseExposition(await m.render());
    expect(samples.length).toBeGreaterThan(50);
    for (const s of samples) expect(s.labels['node'], s.name).toBe('node-7');
    expect(valueOf(samples, 'callguard_calls_total', { end_reason: 'bye' })).toBe(2);
    expect(samples.some((s) => s.name === 'nodejs_eventloop_lag_seconds')).toBe(true);
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
  });

  it('keeps two nodes in one process apart', async () => {
    const a = fakeSources('a');
    const b = fakeSources('b');
    a.engine.activeCalls = 1;
    b.engine.activeCalls = 2;
    const ma = make(a, { processMetrics: false });
    const mb = make(b, { processMetrics: false });
    expect(valueOf(parseExposition(await ma.render()), 'callguard_calls_active')).toBe(1);
    expect(valueOf(parseExposition(await mb.render()), 'callguard_calls_active', { node: 'b' })).toBe(2);
  });

  it('close() unhooks from the engine and is idempotent', async () => {
    const src = fakeSources();
    const m = make(src, { processMetrics: false });
    expect(src.engine.onAnalysis).toBeTypeOf('function');
    const first = m.close();
    expect(m.close()).toBe(first);
    await first;
    expect(src.engine.onAnalysis).toBeUndefined();
    expect(m.registry.getMetricsAsArray()).toEqual([]);
  });
});

describe('registerMetricsRoute', () => {
  it('serves the text on GET /metrics and closes the metrics with the app', async () => {
    const src = fakeSources();
    src.engine.activeCalls = 2;
    const metrics = createMetrics(src, { processMetrics: false });
    const app = Fastify();
    registerMetricsRoute(app, metrics);
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe(metrics.contentType);
    expect(valueOf(parseExposition(res.body), 'callguard_calls_active')).toBe(2);
    await app.close();
    expect(src.engine.onAnalysis).toBeUndefined();
  });
});
