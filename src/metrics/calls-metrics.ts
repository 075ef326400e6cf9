/** Calls: live count, offers, ended calls by end reason and by the highest risk they reached. */
import { Counter, Gauge, type Registry } from 'prom-client';
import { RISK_LEVELS } from '../analysis/types.js';
import type { EndReason } from '../sip/types.js';
import { setFromRecord } from './record-series.js';
import type { MetricsEngine } from './types.js';

/** Every end reason, so each series exists at 0 before its first call (rate() then sees the first one). */
export const END_REASONS = [
  'bye',
  'cancel',
  'session-expired',
  'ack-timeout',
  'transport-error',
  'rejected',
  'hangup',
  'media-timeout',
  'shutdown',
] as const satisfies readonly EndReason[];
// Fails to compile when EndReason gains a reason this list lacks.
const allEndReasons: [Exclude<EndReason, (typeof END_REASONS)[number]>] extends [never] ? true : false = true;
void allEndReasons;

export function registerCallMetrics(registry: Registry, engine: MetricsEngine): void {
  const registers = [registry];
  new Gauge({
    name: 'callguard_calls_active',
    help: 'Recordings in progress on this node.',
    registers,
    collect() {
      this.set(engine.activeCalls);
    },
  });
  new Counter({
    name: 'callguard_offers_total',
    help: 'Recording INVITEs the engine was offered.',
    registers,
    collect() {
      this.reset();
      this.inc(engine.counters.offers);
    },
  });
  new Counter({
    name: 'callguard_offers_rejected_total',
    help: 'Recording offers the engine refused (unprovisioned subscriber, bad body, capacity, shutdown).',
    registers,
    collect() {
      this.reset();
      this.inc(engine.counters.rejected);
    },
  });
  new Counter({
    name: 'callguard_metadata_refused_total',
    help: 'Recording offers refused because their rs-metadata carried a DTD or entities (XXE, billion laughs).',
    registers,
    collect() {
      this.reset();
      this.inc(engine.counters.metadataRefused);
    },
  });
  new Counter({
    name: 'callguard_calls_total',
    help: 'Recordings that ended, by end reason (bye, cancel, session-expired, media-timeout, hangup, shutdown, ...).',
    labelNames: ['end_reason'],
    registers,
    collect() {
      setFromRecord(this, 'end_reason', engine.endReasons, END_REASONS);
    },
  });
  new Counter({
    name: 'callguard_risk_level_reached_total',
    help: 'Recordings that ended, by the highest risk level the escalation policy reached during the call (each call counted once).',
    labelNames: ['level'],
    registers,
    collect() {
      setFromRecord(this, 'level', engine.riskReached, RISK_LEVELS);
    },
  });
}
