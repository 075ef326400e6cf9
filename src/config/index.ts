/**
 * One typed, validated configuration (docs/configuration.md). Each area (sip.ts, subscribers.ts,
 * media.ts, speech.ts, analysis.ts, alerts.ts, cluster.ts, ops.ts) declares its rows of the one
 * settings table (settings.ts) and builds its part of Config; load.ts reads the sources and validates.
 */
export { ANALYZER_NAMES } from './analysis.js';
export { cidrMatcher, parseCidr } from './cidr.js';
export { ConfigError } from './errors.js';
export { loadConfig } from './load.js';
export { redactedConfig } from './redact.js';
export { AREAS, SETTINGS, type SettingName } from './settings.js';
export type { Cidr, Config, Env, Setting } from './types.js';
