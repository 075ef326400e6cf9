/** The engine: the recording-session handler (src/sip/types.ts) and the queries the ops API, metrics and cluster use. */
export { Engine } from './engine.js';
export { BoundedList } from './bounded-list.js';
export { recordingKeyOf } from './recording-state.js';
export type { CallSummary, EngineAlert, EngineCallEvent, EngineCounters, EngineDeps } from './types.js';
