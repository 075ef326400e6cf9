/**
 * Alerts, from the queue's stats(). With Redis these are the cluster's numbers (every node reports
 * the same values under its own `node` label), and the status counts cover the records still kept.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { AlertQueueStats, AlertStatus } from '../alerts/types.js';
import type { MetricsSources } from './types.js';

const STATUSES: readonly AlertStatus[] = ['queued', 'sending', 'sent', 'delivered', 'undelivered', 'dead'];

export function registerAlertMetrics(registry: Registry, alerts: MetricsSources['alerts'], timeoutMs = 2000): void {
  const registers = [registry];
  let failures = 0;
  // Several metrics share one stats() round trip per scrape: the first collector to run starts it and
  // the others await the same promise; it is dropped once settled, so the next scrape reads afresh.
  let inflight: Promise<AlertQueueStats | undefined> | undefined;
  const read = (): Promise<AlertQueueStats | undefined> => {
    inflight ??= withTimeout(alerts.stats(), timeoutMs)
      .catch(() => {
        // Redis down or slow: the series keep their last values and the error counter says so.
        failures++;
        return undefined;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };

  new Counter({
    name: 'callguard_alert_stats_errors_total',
    help: 'Scrapes in which the alert queue could not be read in time (the alert series kept their previous values).',
    registers,
    // Awaits this scrape's read, so a failure shows in the same scrape.
    async collect() {
      await read();
      this.reset();
      this.inc(failures);
    },
  });
  new Gauge({
    name: 'callguard_alerts',
    help: 'Alerts by delivery status (queued, sending, sent, delivered, undelivered, dead).',
    labelNames: ['status'],
    registers,
    async collect() {
      const s = await read();
      if (s) for (const status of STATUSES) this.set({ status }, s[status]);
    },
  });
  new Gauge({
    name: 'callguard_alert_queue_depth',
    help: 'Alerts waiting for or in a send (queued + sending).',
    registers,
    async collect() {
      const s = await read();
      if (s) this.set(s.queued + s.sending);
    },
  });
  const counter = (name: string, help: string, key: 'duplicates' | 'disputed' | 'rateLimited'): void => {
    new Counter({
      name,
      help,
      registers,
      async collect() {
        const s = await read();
        if (!s) return;
        this.reset();
        this.inc(s[key]);
      },
    });
  };
  counter('callguard_alert_duplicates_total', 'Alerts not sent because the same subscriber and recording already had one.', 'duplicates');
  counter('callguard_alerts_disputed_total', 'Alerts the subscriber answered "not a scam" (by SMS or through the API).', 'disputed');
  counter('callguard_alerts_rate_limited_total', 'Alerts not sent because the subscriber reached the hourly limit.', 'rateLimited');
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`alert stats took longer than ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
