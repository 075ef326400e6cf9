/**
 * The drachtio adapter's options, counters and defaults (its public surface besides the class,
 * re-exported by drachtio-session-server.ts and index.ts).
 */
import type { Logger } from '../../log.js';
import type { Admission } from '../admission.js';

export interface DrachtioSessionServerOptions {
  /** drachtio-server's admin address (we connect to it: an inbound connection). */
  host: string;
  port: number;
  /** The shared secret drachtio-server expects. Never logged. */
  secret: string;
  logger: Logger;
  /** Our Min-SE in seconds (RFC 4028 §5, default 90). */
  minSE?: number;
  /** Session interval proposed when the SRC supports timer but sends no Session-Expires (default 1800). */
  defaultSessionExpires?: number;
  /** Live sessions from one source IP; beyond this new INVITEs get 486 (default 2000). */
  maxCallsPerSource?: number;
  /**
   * SRC allow-list (CALLGUARD_SRC_ALLOW): recording INVITEs and in-dialog re-INVITEs and UPDATEs
   * from other addresses get 403 (drachtio-server matches a dialog by Call-ID and tags, whatever
   * address the request comes from). An in-dialog BYE cannot be refused: drachtio-srf's Dialog
   * answers it with 200 itself before it tells us (the 'destroy' event).
   */
  allowSource?: (address: string) => boolean;
  /** Server header value on our responses. */
  userAgent?: string;
  /** listen() rejects when no authenticated connection is up within this (default 10000 ms). */
  connectTimeoutMs?: number;
  /** Longest wait between reconnect attempts (default 30000 ms; drachtio-srf starts at ~255 ms and grows 1.7×). */
  reconnectMaxDelayMs?: number;
  /** Keep-alive ping to drachtio-server (default 15000 ms, drachtio-srf's minimum is 5000). */
  pingIntervalMs?: number;
  /** How long hangup() waits for the BYE's answer (default 32000 ms, 64×T1). */
  byeTimeoutMs?: number;
  /** How long close() waits for BYE answers (default 2000 ms). */
  closeTimeoutMs?: number;
  /** Retry-After seconds on 503 (default 5). */
  retryAfterSeconds?: number;
  /** Early shedding: new INVITEs it does not admit get 503 with its Retry-After at once (default: admit all). The server closes it. */
  admission?: Pick<Admission, 'admit' | 'retryAfterSeconds' | 'close'>;
}

export interface DrachtioServerStats {
  /** Dialogs established (2xx sent) and not yet torn down. */
  dialogs: number;
  /** Sessions offered and not yet released (pending offers included). */
  sessions: number;
  /** Responses this application sent, by status (drachtio-server's own 100, 487 and 481 are not counted). */
  responsesByCode: Record<number, number>;
  /** Requests refused by a limit before the engine saw them. */
  rejected: Record<DrachtioRejectReason, number>;
  /** An authenticated connection to drachtio-server is up. */
  connected: boolean;
  /** Authenticated connections made so far (more than 1: reconnects). */
  connects: number;
}

export type DrachtioRejectReason = 'calls-per-source' | 'source-not-allowed' | 'overload';

export const DEFAULTS = {
  minSE: 90,
  defaultSessionExpires: 1800,
  maxCallsPerSource: 2000,
  connectTimeoutMs: 10_000,
  reconnectMaxDelayMs: 30_000,
  pingIntervalMs: 15_000,
  byeTimeoutMs: 32_000,
  closeTimeoutMs: 2000,
  retryAfterSeconds: 5,
};
