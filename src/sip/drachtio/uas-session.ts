/**
 * The drachtio adapter's record of one recording session and what its parts share. The session's
 * phases, `ended` exactly once and release are src/sip/session-lifecycle.ts's (shared with the
 * native adapter); this record adds drachtio-srf's request, response and Dialog.
 */
import type { Logger } from '../../log.js';
import type { SessionLifecycle } from '../session-lifecycle.js';
import type { LifecycleSession, PendingReoffer } from '../session-record.js';
import type { DrachtioRejectReason, DrachtioSessionServerOptions } from './drachtio-options.js';
import type { Responder } from './responder.js';
import type { SrfApp, SrfDialog, SrfRequest, SrfResponse } from './srf-binding.js';

/** A re-INVITE or UPDATE awaiting the handler's answer. */
export interface PendingRequest extends PendingReoffer {
  res: SrfResponse;
}

export interface Session extends LifecycleSession<PendingRequest> {
  req: SrfRequest;
  res: SrfResponse;
  dialog: SrfDialog | null;
  /** While createUAS is in flight: settles it as failed (the connection carrying it was lost). */
  failAnswer: ((err: Error) => void) | null;
  /** Our Contact for 2xx responses (undefined: drachtio-server's own). */
  contact: string | undefined;
}

export type DrachtioLifecycle = SessionLifecycle<PendingRequest, Session>;

/** What the adapter's parts (INVITE, in-dialog) share; the server builds it. */
export interface DrachtioContext {
  readonly opts: DrachtioSessionServerOptions;
  readonly log: Logger;
  readonly lifecycle: DrachtioLifecycle;
  readonly responder: Responder;
  readonly rejected: Record<DrachtioRejectReason, number>;
  /** The drachtio-srf app while listening (null before and after). */
  srf(): SrfApp | null;
  /** close() has begun. */
  closing(): boolean;
  /** What drachtio-server said it listens on (`udp/10.0.0.1:5060`, …), for our Contact. */
  hostports(): readonly string[];
}

/** The allow-list (CALLGUARD_SRC_ALLOW) on a request's source address. */
export function sourceAllowed(opts: DrachtioSessionServerOptions, req: SrfRequest): boolean {
  return !opts.allowSource || opts.allowSource(req.source_address);
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
