/** SIP settings: where the stack listens, which stack, session timers, limits and who may send requests. */
import { z } from 'zod';
import { parseCidr } from './cidr.js';
import { ConfigError } from './errors.js';
import { host, list, listOf, orEmpty, port, positiveInt, type Values } from './parse.js';
import type { Config, Settings } from './types.js';

const srcAllow = listOf(parseCidr, (item) => `"${item}" is not a CIDR such as 10.0.0.0/8 or ::1/128`);

export const SIP_SETTINGS = {
  CALLGUARD_SIP_HOST: { default: '127.0.0.1', doc: 'Address the SIP stack listens on (UDP and TCP).', parse: host },
  CALLGUARD_SIP_PORT: { default: '5060', doc: 'SIP port, UDP and TCP both. 0 picks a free port (tests).', parse: port },
  CALLGUARD_SIP_TRANSPORTS: {
    default: 'udp,tcp',
    doc: 'Comma-separated SIP transports: udp, tcp.',
    parse: z
      .string()
      .transform(list)
      .pipe(z.array(z.enum(['udp', 'tcp'])).min(1, 'must name at least one of udp, tcp')),
  },
  CALLGUARD_SIP_MIN_SE: { default: '90', doc: 'RFC 4028 Min-SE in seconds: a smaller Session-Expires gets 422.', parse: positiveInt },
  CALLGUARD_SIP_SESSION_EXPIRES: { default: '1800', doc: 'Session interval proposed when the SRC supports timers but asks for none.', parse: positiveInt },
  CALLGUARD_SIP_T1: { default: '500', doc: 'RFC 3261 T1 in ms (retransmission base).', parse: positiveInt.max(10_000) },
  CALLGUARD_MAX_CALLS: { default: '5000', doc: 'Live recordings this node accepts; beyond it INVITEs get 503 with Retry-After.', parse: positiveInt },
  CALLGUARD_MAX_PENDING_OFFERS: { default: '1000', doc: 'INVITEs being answered at once; beyond it 503 with Retry-After.', parse: positiveInt },
  CALLGUARD_SIP_OVERLOAD_LAG_MS: {
    default: '30',
    doc: 'Early shedding: while the event loop runs later than this (ms), a shrinking share of new INVITEs is answered 503 with Retry-After at once, so the SBC tries another node and answered calls keep their timing. 0 turns it off.',
    parse: z.coerce.number().int().min(0).max(10_000),
  },
  CALLGUARD_SIP_ADVERTISED_HOST: {
    default: '',
    doc: 'Host written in our Via and Contact (behind NAT or a container bridge: the address the SBC reaches). Empty: the listening address, or the interface address when listening on a wildcard.',
    parse: orEmpty(host),
  },
  CALLGUARD_SIP_STACK: {
    default: 'native',
    doc: 'native: callguard\'s own SIP stack (UDP/TCP/TLS); drachtio: a drachtio-srf application behind drachtio-server (CALLGUARD_DRACHTIO_*).',
    parse: z.enum(['native', 'drachtio']),
  },
  CALLGUARD_DRACHTIO_HOST: { default: '127.0.0.1', doc: 'drachtio: drachtio-server\'s admin address (inbound connection from callguard; reconnects with back-off).', parse: host },
  CALLGUARD_DRACHTIO_PORT: { default: '9022', doc: 'drachtio: drachtio-server\'s admin port.', parse: port },
  CALLGUARD_DRACHTIO_SECRET: { default: '', doc: 'drachtio: the shared secret drachtio-server expects. Never logged.', parse: z.string(), secret: true },
  CALLGUARD_SIP_TLS_PORT: { default: '0', doc: 'Port for SIP over TLS (RFC 3261 sips/TLS); 0 disables TLS.', parse: z.coerce.number().int().min(0).max(65535) },
  CALLGUARD_SIP_TLS_CERT: { default: '', doc: 'PEM certificate (chain) file for SIP over TLS.', parse: z.string() },
  CALLGUARD_SIP_TLS_KEY: { default: '', doc: 'PEM private key file for SIP over TLS.', parse: z.string() },
  CALLGUARD_SIP_MAX_MESSAGE_BYTES: { default: '65535', doc: 'Largest SIP message accepted; larger gets 513.', parse: positiveInt.min(1024).max(1_000_000) },
  CALLGUARD_SIP_MAX_HEADERS: { default: '100', doc: 'Most header fields in one SIP message; more gets 400 (or is dropped when unanswerable).', parse: positiveInt.min(10) },
  CALLGUARD_SIP_MAX_BODY_BYTES: { default: '32768', doc: 'Largest SIP body (SDP + metadata); larger gets 413.', parse: positiveInt.min(512) },
  CALLGUARD_SIP_IDLE_TIMEOUT_MS: {
    default: '60000',
    doc: 'A TCP/TLS connection that carries no live recording and sends no complete message for this long is closed.',
    parse: positiveInt.min(1000).max(2_147_483_647),
  },
  CALLGUARD_SIP_MESSAGE_TIMEOUT_MS: {
    default: '10000',
    doc: 'A SIP message started on TCP/TLS must arrive whole within this; otherwise it is dropped with its connection.',
    parse: positiveInt.min(100).max(2_147_483_647),
  },
  CALLGUARD_MAX_CALLS_PER_SOURCE: { default: '2000', doc: 'Live recordings one SRC address may hold; beyond it 486 Busy Here.', parse: positiveInt },
  CALLGUARD_SRC_ALLOW: {
    default: '127.0.0.0/8,::1/128',
    doc: 'Comma-separated CIDRs allowed to send SIP requests (every request, in dialog or not); others get 403 (ACKs are dropped) and are counted.',
    parse: srcAllow,
  },
} as const satisfies Settings;

export function sipConfig(v: Values<typeof SIP_SETTINGS>): Config['sip'] {
  if (v.CALLGUARD_SIP_STACK === 'drachtio' && !v.CALLGUARD_DRACHTIO_SECRET) {
    throw new ConfigError('CALLGUARD_DRACHTIO_SECRET', 'is required when CALLGUARD_SIP_STACK=drachtio');
  }
  if (v.CALLGUARD_SIP_TLS_PORT && (!v.CALLGUARD_SIP_TLS_CERT || !v.CALLGUARD_SIP_TLS_KEY)) {
    throw new ConfigError(v.CALLGUARD_SIP_TLS_CERT ? 'CALLGUARD_SIP_TLS_KEY' : 'CALLGUARD_SIP_TLS_CERT', 'is required when CALLGUARD_SIP_TLS_PORT is set');
  }
  return {
    host: v.CALLGUARD_SIP_HOST,
    port: v.CALLGUARD_SIP_PORT,
    transports: v.CALLGUARD_SIP_TRANSPORTS,
    minSE: v.CALLGUARD_SIP_MIN_SE,
    sessionExpires: Math.max(v.CALLGUARD_SIP_SESSION_EXPIRES, v.CALLGUARD_SIP_MIN_SE),
    t1: v.CALLGUARD_SIP_T1,
    maxCalls: v.CALLGUARD_MAX_CALLS,
    maxPendingOffers: v.CALLGUARD_MAX_PENDING_OFFERS,
    overloadLagMs: v.CALLGUARD_SIP_OVERLOAD_LAG_MS,
    srcAllow: v.CALLGUARD_SRC_ALLOW,
    tls: { port: v.CALLGUARD_SIP_TLS_PORT, cert: v.CALLGUARD_SIP_TLS_CERT, key: v.CALLGUARD_SIP_TLS_KEY },
    stack: v.CALLGUARD_SIP_STACK,
    advertisedHost: v.CALLGUARD_SIP_ADVERTISED_HOST,
    drachtio: { host: v.CALLGUARD_DRACHTIO_HOST, port: v.CALLGUARD_DRACHTIO_PORT, secret: v.CALLGUARD_DRACHTIO_SECRET },
    limits: {
      maxMessageBytes: v.CALLGUARD_SIP_MAX_MESSAGE_BYTES,
      maxHeaders: v.CALLGUARD_SIP_MAX_HEADERS,
      maxBodyBytes: v.CALLGUARD_SIP_MAX_BODY_BYTES,
      maxCallsPerSource: v.CALLGUARD_MAX_CALLS_PER_SOURCE,
      idleTimeoutMs: v.CALLGUARD_SIP_IDLE_TIMEOUT_MS,
      messageTimeoutMs: v.CALLGUARD_SIP_MESSAGE_TIMEOUT_MS,
    },
  };
}
