/** What the engine's parts share: one per Engine, built in its constructor. */
import type { Logger } from '../log.js';
import type { CallRegistry } from './live-call.js';
import type { MediaStats } from './media-stats.js';
import type { Recognizers } from './recognizers.js';
import type { EngineCallEvent, EngineCounters, EngineDeps } from './types.js';

export interface EngineContext {
  readonly deps: EngineDeps;
  readonly log: Logger;
  readonly now: () => number;
  readonly calls: CallRegistry;
  readonly counters: EngineCounters;
  readonly recognizers: Recognizers;
  readonly mediaStats: MediaStats;
  /** True once close() began: new offers are refused. */
  isClosing(): boolean;
  /** Tells the registry and the event stream (a throwing listener is logged, never the call's problem). */
  emit(event: EngineCallEvent): void;
}
