/**
 * The one settings table: every area's rows, in the order docs/configuration.md lists them
 * (`npm run docs:config` writes that table from AREAS; a test keeps the two in step).
 */
import { ALERT_SETTINGS } from './alerts.js';
import { ANALYSIS_SETTINGS } from './analysis.js';
import { CLUSTER_SETTINGS } from './cluster.js';
import { MEDIA_SETTINGS } from './media.js';
import { OPS_SETTINGS } from './ops.js';
import { SIP_SETTINGS } from './sip.js';
import { SPEECH_SETTINGS } from './speech.js';
import { SUBSCRIBER_SETTINGS } from './subscribers.js';
import type { Settings } from './types.js';

/** The areas in data-path order, each with the heading its rows have in docs/configuration.md. */
export const AREAS: ReadonlyArray<{ title: string; settings: Settings }> = [
  { title: 'SIP', settings: SIP_SETTINGS },
  { title: 'Subscribers', settings: SUBSCRIBER_SETTINGS },
  { title: 'Media (RTP)', settings: MEDIA_SETTINGS },
  { title: 'Speech', settings: SPEECH_SETTINGS },
  { title: 'Analysis', settings: ANALYSIS_SETTINGS },
  { title: 'Alerts (SMS)', settings: ALERT_SETTINGS },
  { title: 'Cluster (Redis)', settings: CLUSTER_SETTINGS },
  { title: 'Ops (HTTP API, auth, logs)', settings: OPS_SETTINGS },
];

/** Every setting, its default (as the environment would spell it), what it does and how it is parsed. */
export const SETTINGS = {
  ...SIP_SETTINGS,
  ...SUBSCRIBER_SETTINGS,
  ...MEDIA_SETTINGS,
  ...SPEECH_SETTINGS,
  ...ANALYSIS_SETTINGS,
  ...ALERT_SETTINGS,
  ...CLUSTER_SETTINGS,
  ...OPS_SETTINGS,
} as const satisfies Settings;

export type SettingName = keyof typeof SETTINGS;

/** Settings whose value an error never echoes. */
export const SECRETS: ReadonlySet<string> = new Set(Object.entries(SETTINGS as Settings).flatMap(([name, s]) => (s.secret ? [name] : [])));
