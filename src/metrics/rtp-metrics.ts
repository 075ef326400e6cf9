/** RTP receive counts over every stream this node has recorded, ended calls included. */
import { Counter, type Registry } from 'prom-client';
import type { MediaTotals, MetricsEngine } from './types.js';

const SERIES: Array<{ name: string; help: string; key: keyof MediaTotals }> = [
  { name: 'callguard_rtp_packets_total', help: 'RTP packets accepted (right source, authenticated, well-formed) on recorded streams.', key: 'packets' },
  { name: 'callguard_rtp_packets_lost_total', help: 'RTP packets never received (sequence gaps), including those that arrived too late to use.', key: 'lost' },
  { name: 'callguard_rtp_packets_late_total', help: 'RTP packets that arrived after their slot was played out (also counted as lost).', key: 'late' },
];

export function registerRtpMetrics(registry: Registry, engine: MetricsEngine): void {
  for (const { name, help, key } of SERIES) {
    new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(engine.mediaTotals()[key]);
      },
    });
  }
}
