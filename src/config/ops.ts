/** Ops settings: the HTTP API's address and auth, this node's name, logging and shutdown. */
import { hostname } from 'node:os';
import { z } from 'zod';
import { host, listOf, port, type Values } from './parse.js';
import type { Config, Settings } from './types.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const apiTokens = listOf(
  (item) => {
    const m = /^(reader|admin):(\S{16,})$/.exec(item);
    return m ? { role: m[1] as 'reader' | 'admin', token: m[2]! } : undefined;
  },
  // The entry is not echoed: it holds a secret.
  (_item, i) => `entry ${i + 1} must be reader:TOKEN or admin:TOKEN with a token of at least 16 characters`,
);

export const OPS_SETTINGS = {
  CALLGUARD_HTTP_HOST: { default: '127.0.0.1', doc: 'Address of the ops HTTP API.', parse: host },
  CALLGUARD_HTTP_PORT: { default: '8080', doc: 'Port of the ops HTTP API. 0 picks a free port.', parse: port },
  CALLGUARD_AUTH: {
    default: 'on',
    doc: 'on: the ops API wants a bearer token (CALLGUARD_API_TOKENS) everywhere but /healthz, /readyz and the dashboard page itself (no data); off: no auth, for loopback-only development (said at start).',
    parse: z.enum(['on', 'off']),
  },
  CALLGUARD_API_TOKENS: {
    default: '',
    doc: 'Comma-separated role:token pairs, role reader (calls, alerts, events, metrics, dashboard) or admin (also subscribers, retries, config). Empty with auth on: an admin token is generated for this run and printed once on stderr. Never logged.',
    parse: apiTokens,
    secret: true,
  },
  CALLGUARD_NODE_ID: { default: '', doc: 'This node\'s name in the ops API and logs. Empty: the host name.', parse: z.string() },
  CALLGUARD_LOG_LEVEL: { default: 'info', doc: 'fatal, error, warn, info, debug, trace or silent.', parse: z.enum(LOG_LEVELS) },
  CALLGUARD_SHUTDOWN_GRACE_MS: {
    default: '5000',
    doc: 'On SIGTERM, how long to wait for BYEs to be answered before exiting.',
    parse: z.coerce.number().int().min(0).max(2_147_483_647),
  },
} as const satisfies Settings;

export function opsConfig(v: Values<typeof OPS_SETTINGS>): Pick<Config, 'nodeId' | 'logLevel' | 'shutdownGraceMs' | 'http' | 'auth'> {
  return {
    nodeId: v.CALLGUARD_NODE_ID || hostname(),
    logLevel: v.CALLGUARD_LOG_LEVEL,
    shutdownGraceMs: v.CALLGUARD_SHUTDOWN_GRACE_MS,
    http: { host: v.CALLGUARD_HTTP_HOST, port: v.CALLGUARD_HTTP_PORT },
    auth: { enabled: v.CALLGUARD_AUTH === 'on', tokens: v.CALLGUARD_API_TOKENS },
  };
}
