/**
 * Picks the SIP stack behind the recording-session port: the native one (UDP/TCP/TLS in this process)
 * or drachtio-srf behind a drachtio-server (CALLGUARD_SIP_STACK).
 */
import { readFileSync } from 'node:fs';
import { cidrMatcher, ConfigError, type Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { Admission, EventLoopLag } from './admission.js';
import { DrachtioSessionServer } from './drachtio/index.js';
import { NativeSessionServer } from './native/native-session-server.js';
import type { RecordingSessionServer } from './types.js';

/** What the node needs of either stack besides the port: where it listens, and counters for metrics. */
export type SipStack = RecordingSessionServer & {
  address(): { udp?: number; tcp?: number; tls?: number };
  stats(): { responsesByCode: Record<number, number>; rejected?: Record<string, number> };
};

export function createSessionServer(config: Config, logger: Logger): SipStack {
  const sip = config.sip;
  const allowSource = cidrMatcher(sip.srcAllow);
  const admission = sip.overloadLagMs > 0 ? new Admission({ signal: new EventLoopLag(), maxLagMs: sip.overloadLagMs, retryAfterSeconds: 5 }) : undefined;
  if (sip.stack === 'drachtio') {
    return new DrachtioSessionServer({
      host: sip.drachtio.host,
      port: sip.drachtio.port,
      secret: sip.drachtio.secret,
      logger,
      allowSource,
      minSE: sip.minSE,
      defaultSessionExpires: sip.sessionExpires,
      maxCallsPerSource: sip.limits.maxCallsPerSource,
      userAgent: 'callguard',
      ...(admission ? { admission } : {}),
    });
  }
  return new NativeSessionServer({
    host: sip.host,
    port: sip.port,
    transports: sip.transports,
    logger,
    allowSource,
    timers: { t1: sip.t1 },
    minSE: sip.minSE,
    defaultSessionExpires: sip.sessionExpires,
    maxPendingOffers: sip.maxPendingOffers,
    maxDialogs: sip.maxCalls,
    maxMessageBytes: sip.limits.maxMessageBytes,
    maxHeaders: sip.limits.maxHeaders,
    maxBodyBytes: sip.limits.maxBodyBytes,
    maxCallsPerSource: sip.limits.maxCallsPerSource,
    connectionIdleTimeoutMs: sip.limits.idleTimeoutMs,
    incompleteMessageTimeoutMs: sip.limits.messageTimeoutMs,
    ...(admission ? { admission } : {}),
    ...(sip.advertisedHost ? { advertisedHost: sip.advertisedHost } : {}),
    ...(sip.tls.port ? { tls: { port: sip.tls.port, cert: readTlsFile('CALLGUARD_SIP_TLS_CERT', sip.tls.cert), key: readTlsFile('CALLGUARD_SIP_TLS_KEY', sip.tls.key) } } : {}),
    userAgent: 'callguard',
  });
}

/** A certificate or key file, or start-up stops with the setting's name. */
function readTlsFile(key: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(key, `cannot read ${path}: ${(err as Error).message}`);
  }
}
