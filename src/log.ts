import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Masks a phone number or SIP URI user part for logs and APIs: keeps the country-code-ish prefix
 * and the last two digits (+1212*****23). Call content and full numbers never reach a log.
 */
export function maskNumber(value: string | undefined): string {
  if (!value) return '';
  const m = /^(sips?:|tel:)?([^@;]*)(.*)$/.exec(value);
  const user = m?.[2] ?? value;
  if (user.length <= 4) return '*'.repeat(user.length);
  const keep = user.startsWith('+') ? 3 : 2;
  return user.slice(0, keep) + '*'.repeat(Math.max(1, user.length - keep - 2)) + user.slice(-2);
}

export interface LogOptions {
  level?: string;
  /** Destination stream; stdout by default. Tests pass a sink to read what was logged. */
  destination?: NodeJS.WritableStream;
}

/**
 * Errors as logged: pino's standard serializer minus what client libraries attach that holds data —
 * ioredis puts the failed command with its arguments on the error (AUTH passwords, keys naming
 * subscribers), fetch and others may carry request options.
 */
function errSerializer(err: unknown): unknown {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  for (const k of ['command', 'args', 'options', 'config', 'request', 'previousErrors']) delete out[k];
  return out;
}

export function createLogger(opts: LogOptions = {}): Logger {
  const options = { level: opts.level ?? 'info', base: { svc: 'callguard' }, serializers: { err: errSerializer } };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}

/** A logger that discards everything, for unit tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
