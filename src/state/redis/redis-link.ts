/**
 * Connection plumbing for the Redis state store: opening, readiness with a deadline, bounded close,
 * and link-state logging that never prints a value or the password in REDIS_URL.
 */
import { Redis } from 'ioredis';
import type { Logger } from '../../log.js';
import { StateStoreUnavailableError } from '../errors.js';
import { errorSummary } from '../event-fanout.js';

/** REDIS_URL with any password replaced by `***`, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    // Not a URL (ioredis would read it as a socket path): still hide anything shaped like user:pass@.
    return url.replace(/\/\/([^/@]*):[^/@]*@/, '//$1:***@');
  }
}

function passwordOf(url: string): string | undefined {
  try {
    return new URL(url).password || undefined;
  } catch {
    return undefined;
  }
}

export interface RedisLinkOptions {
  commandTimeoutMs: number;
}

/**
 * The command connection. Two retries per request: during an outage a call-path request fails in
 * well under a second instead of queueing until Redis returns; reconnection itself keeps going with
 * ioredis' default back-off. commandTimeout bounds a Redis that accepts but never answers.
 */
export function openCommandConnection(url: string, opts: RedisLinkOptions): Redis {
  return new Redis(url, { maxRetriesPerRequest: 2, commandTimeout: opts.commandTimeoutMs, connectionName: 'callguard-state' });
}

/**
 * The pub/sub connection (a connection in subscriber mode cannot run other commands). Its SUBSCRIBE
 * waits for Redis however long it takes (null retries), since ioredis only re-subscribes after a
 * reconnect to channels whose SUBSCRIBE once succeeded; it is not on the call path.
 */
export function openSubscriberConnection(commands: Redis): Redis {
  return commands.duplicate({ maxRetriesPerRequest: null, commandTimeout: undefined, connectionName: 'callguard-state-events' });
}

/** Tracks the last error of a connection and logs outages once (warn) and recoveries (info). */
export class LinkWatch {
  lastError: Error | undefined;
  private down = false;
  private closing = false;

  constructor(conn: Redis, name: string, logger: Logger) {
    conn.on('error', (err: Error) => {
      this.lastError = err;
      if (this.closing) return;
      if (this.down) {
        logger.debug({ err: errorSummary(err), link: name }, 'state store Redis error');
        return;
      }
      this.down = true;
      logger.warn({ err: errorSummary(err), link: name }, 'state store lost Redis; retrying');
    });
    conn.on('ready', () => {
      this.lastError = undefined;
      if (this.down && !this.closing) logger.info({ link: name }, 'state store reconnected to Redis');
      this.down = false;
    });
  }

  markClosing(): void {
    this.closing = true;
  }
}

/** Resolves when the connection is ready; rejects after `timeoutMs` or when the client gives up. */
export function waitReady(conn: Redis, timeoutMs: number): Promise<void> {
  if (conn.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = (err?: Error): void => {
      clearTimeout(timer);
      conn.off('ready', onReady);
      conn.off('end', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onReady = (): void => done();
    const onEnd = (): void => done(new Error('connection ended'));
    const timer = setTimeout(() => done(new Error('timed out')), timeoutMs);
    conn.on('ready', onReady);
    conn.on('end', onEnd);
  });
}

/** The error ready() rejects with: names REDIS_URL, shows where, never the password. */
export function unavailableError(url: string, timeoutMs: number, cause: Error | undefined): StateStoreUnavailableError {
  const password = passwordOf(url);
  let reason = cause ? cause.message : 'no answer';
  if (password) reason = reason.split(password).join('***');
  return new StateStoreUnavailableError(
    `state store: cannot reach Redis at REDIS_URL=${redactRedisUrl(url)} within ${Math.round(timeoutMs / 100) / 10} s (${reason})`,
  );
}

/** QUIT (lets pending replies arrive) bounded by `timeoutMs`, then a hard disconnect either way. */
export async function closeConnection(conn: Redis, timeoutMs: number): Promise<void> {
  if (conn.status === 'end') return;
  if (conn.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([conn.quit().then(() => undefined, () => undefined), deadline]);
    clearTimeout(timer);
  }
  // Not ready (reconnecting, connecting): QUIT would sit in the offline queue; stop retrying now.
  conn.disconnect();
}
