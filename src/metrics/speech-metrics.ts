/** Speech: recognizers running and how far behind the audio their results come. */
import { Gauge, type Registry } from 'prom-client';
import type { MetricsEngine } from './types.js';

export function registerSpeechMetrics(registry: Registry, engine: MetricsEngine): void {
  const registers = [registry];
  new Gauge({
    name: 'callguard_recognizers_active',
    help: 'Speech recognizers running (one per transcribed party).',
    registers,
    collect() {
      this.set(engine.recognizerCount);
    },
  });
  new Gauge({
    name: 'callguard_recognizer_lag_seconds',
    help: 'Largest lag between audio sent and its recognition result among live recognizers; 0 when none reports one (only the Azure recognizer measures it).',
    registers,
    collect() {
      this.set((engine.recognizerLagMs() ?? 0) / 1000);
    },
  });
}
