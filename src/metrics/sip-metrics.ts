/** SIP: responses by status code, refusals by reason (when the adapter counts them), dialogs, drops. */
import { Counter, Gauge, type Registry } from 'prom-client';
import { setFromRecord } from './record-series.js';
import type { MetricsSipStats, MetricsSources } from './types.js';

export function registerSipMetrics(registry: Registry, sip: MetricsSources['sip']): void {
  const registers = [registry];
  new Counter({
    name: 'callguard_sip_responses_total',
    help: 'SIP responses sent, by status code (first transmissions, not retransmissions).',
    labelNames: ['code'],
    registers,
    collect() {
      setFromRecord(this, 'code', sip.stats().responsesByCode);
    },
  });
  new Counter({
    name: 'callguard_sip_rejected_total',
    help: 'SIP requests refused before reaching the engine, by reason (absent when the SIP adapter does not count them).',
    labelNames: ['reason'],
    registers,
    collect() {
      setFromRecord(this, 'reason', sip.stats().rejected);
    },
  });
  new Gauge({
    name: 'callguard_sip_dialogs',
    help: 'SIP dialogs established and not yet torn down.',
    registers,
    collect() {
      this.set(sip.stats().dialogs ?? 0);
    },
  });
  const counter = (name: string, help: string, read: (s: MetricsSipStats) => number | undefined): void => {
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset();
        this.inc(read(sip.stats()) ?? 0);
      },
    });
  };
  counter('callguard_sip_dropped_total', 'SIP messages dropped: unanswerable garbage, unmatched ACKs and responses, after close.', (s) => s.dropped);
  counter('callguard_sip_parse_errors_total', 'SIP messages that failed to parse or validate (answered or not).', (s) => s.parseErrors);
  counter(
    'callguard_sip_retransmissions_absorbed_total',
    'SIP request retransmissions matched to a live transaction and kept from the engine.',
    (s) => s.retransmissionsAbsorbed,
  );
}
