/**
 * The metrics port: what a node's Prometheus registry reads at scrape time. Each source is the
 * narrow view the collectors need, so tests pass plain objects and the engine, SIP server and alert
 * queue satisfy them structurally.
 */
import type { Registry } from 'prom-client';
import type { AlertQueueStats } from '../alerts/types.js';
import type { LlmStats, RiskLevel } from '../analysis/types.js';

/** RTP receive counts summed over streams. */
export interface MediaTotals {
  packets: number;
  lost: number;
  late: number;
}

/** What the collectors read from the engine (src/engine/engine.ts satisfies it). */
export interface MetricsEngine {
  readonly activeCalls: number;
  readonly counters: Readonly<{ offers: number; rejected: number; ended: number; metadataRefused: number }>;
  /** Ended calls by end reason (bye, cancel, media-timeout, …). */
  readonly endReasons: Readonly<Partial<Record<string, number>>>;
  /** Ended calls by the highest risk level they reached. */
  readonly riskReached: Readonly<Partial<Record<RiskLevel, number>>>;
  readonly recognizerCount: number;
  /** Packets since start: closed endpoints plus live ones, so the sums never go down. */
  mediaTotals(): MediaTotals;
  /** Largest lag a live recognizer reports, ms; undefined when none reports one. */
  recognizerLagMs(): number | undefined;
  /** Called once per finished analysis (ok or failed); the analysis collector chains onto it. */
  onAnalysis?: ((ms: number, ok: boolean) => void) | undefined;
}

/** The SIP adapter's counters (NativeServerStats satisfies it). */
export interface MetricsSipStats {
  /** Responses sent by status code (first transmissions). */
  responsesByCode: Readonly<Record<number, number>>;
  /** Requests refused before the engine saw them, by reason; not every adapter has it yet. */
  rejected?: Readonly<Record<string, number>>;
  dialogs?: number;
  dropped?: number;
  parseErrors?: number;
  retransmissionsAbsorbed?: number;
}

/** An LLM analyzer, or a chain holding one (undefined stats: no LLM behind it). */
export interface MetricsLlm {
  llmStats(): LlmStats | undefined;
}

export interface MetricsSources {
  engine: MetricsEngine;
  sip: { stats(): MetricsSipStats };
  alerts: { stats(): Promise<AlertQueueStats> };
  /** The node's analyzer when it can count LLM events; absent: those series stay at 0. */
  llm?: MetricsLlm | undefined;
  /** Becomes the `node` label of every series. */
  nodeId: string;
}

export interface MetricsOptions {
  /**
   * prom-client's process and Node.js metrics (CPU, memory, GC, event-loop lag). Default true. Tests
   * that start many nodes may turn it off: the GC observer and event-loop monitor it starts cannot
   * be stopped, so each registry that has them lives as long as the process.
   */
  processMetrics?: boolean;
  /** How long a scrape waits for the alert queue's stats before reporting the last values (default 2000). */
  alertStatsTimeoutMs?: number;
  /** Bucket bounds of callguard_analysis_duration_seconds, in seconds. */
  analysisBuckets?: number[];
}

export interface NodeMetrics {
  /** This node's own registry, never prom-client's global one. */
  readonly registry: Registry;
  /** The Content-Type of render()'s text (Prometheus text format 0.0.4). */
  readonly contentType: string;
  /** Reads every source and returns the exposition text. */
  render(): Promise<string>;
  /** Unhooks from the engine and empties the registry. Idempotent. */
  close(): Promise<void>;
}

/** Undoes what a collector hooked onto its source; collectors that only read return nothing. */
export type Unhook = () => void;
