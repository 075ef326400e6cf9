/**
 * Builds the typed configuration. Sources, later wins: built-in defaults (a working single node on
 * loopback), an optional JSON file (CALLGUARD_CONFIG_FILE or `--config`, keyed by the same variable
 * names), then the environment. An invalid value stops start-up with a message naming the key.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { alertsConfig } from './alerts.js';
import { analysisConfig } from './analysis.js';
import { clusterConfig } from './cluster.js';
import { ConfigError } from './errors.js';
import { mediaConfig } from './media.js';
import { opsConfig } from './ops.js';
import { SECRETS, SETTINGS } from './settings.js';
import { sipConfig } from './sip.js';
import { speechConfig } from './speech.js';
import { subscriberConfig } from './subscribers.js';
import type { Config, Env, Settings } from './types.js';

/** The zod shape of a settings table: each key's parser. */
function shapeOf<S extends Settings>(settings: S): { [K in keyof S]: S[K]['parse'] } {
  // Object.fromEntries loses the per-key types the mapped type restores.
  return Object.fromEntries(Object.entries(settings).map(([name, s]) => [name, s.parse])) as { [K in keyof S]: S[K]['parse'] };
}

const schema = z.object(shapeOf(SETTINGS));

function readFile(path: string): Env {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('CALLGUARD_CONFIG_FILE', `cannot read ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('CALLGUARD_CONFIG_FILE', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError('CALLGUARD_CONFIG_FILE', `${path} must hold one JSON object keyed by setting name`);
  }
  const out: Env = {};
  for (const [k, v] of Object.entries(data)) {
    if (!(k in SETTINGS)) throw new ConfigError(k, `unknown setting in ${path}`);
    out[k] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

/**
 * Builds the configuration from the environment (and the file it or `file` names).
 * Throws ConfigError naming the first bad key.
 */
export function loadConfig(env: Env = process.env, file?: string): Config {
  const path = file ?? env.CALLGUARD_CONFIG_FILE;
  const fromFile = path ? readFile(path) : {};
  const raw: Record<string, string> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    raw[name] = env[name] ?? fromFile[name] ?? setting.default;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? 'config');
    // Secrets are never echoed, not even when wrong.
    const got = SECRETS.has(key) ? '(hidden)' : `"${raw[key] ?? ''}"`;
    throw new ConfigError(key, `${issue?.message ?? 'invalid'} (got ${got})`);
  }
  const v = parsed.data;
  // The areas' cross-setting checks run in this order, so that of two mistakes the one named first
  // stays the one it has always been; media last, as choosing its address may ask the interfaces.
  const subscribers = subscriberConfig(v);
  const speech = speechConfig(v);
  const analysis = analysisConfig(v);
  const alerts = alertsConfig(v);
  const sip = sipConfig(v);
  const media = mediaConfig(v, v.CALLGUARD_SIP_HOST);
  const ops = opsConfig(v);
  const cluster = clusterConfig(v);
  // Keys in the order the ops API has always shown them.
  return {
    nodeId: ops.nodeId,
    logLevel: ops.logLevel,
    shutdownGraceMs: ops.shutdownGraceMs,
    ...subscribers,
    sip,
    http: ops.http,
    ...media,
    analysis,
    redisUrl: cluster.redisUrl,
    auth: ops.auth,
    cluster: cluster.cluster,
    alerts,
    speech,
  };
}
