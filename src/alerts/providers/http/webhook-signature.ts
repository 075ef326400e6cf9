/**
 * The HTTP provider's request signature, for the sender and for whoever receives the webhook.
 *
 *   X-Callguard-Timestamp: <unix seconds>
 *   X-Callguard-Signature: sha256=<hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`)>
 *
 * The timestamp is inside the signed string so a captured request cannot be replayed later with a
 * fresh timestamp; receivers should reject timestamps outside a tolerance (5 minutes by default here)
 * and deduplicate on the Idempotency-Key header (the alert reference) within it. Verify the raw bytes
 * as received — re-serialised JSON will not match.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-callguard-signature';
export const TIMESTAMP_HEADER = 'x-callguard-timestamp';

export function signWebhook(secret: string, timestamp: string, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

export interface VerifyOptions {
  /** Seconds a timestamp may differ from `now`. Default 300. */
  toleranceSec?: number;
  /** Unix seconds. Default: the clock. */
  now?: number;
}

/** True when `signature` is the signature of (`timestamp`, `rawBody`) and the timestamp is fresh. */
export function verifyWebhook(
  secret: string,
  timestamp: string | undefined,
  rawBody: string | Buffer,
  signature: string | undefined,
  opts: VerifyOptions = {},
): boolean {
  if (!timestamp || !signature || !/^\d+$/.test(timestamp)) return false;
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  if (Math.abs(now - Number(timestamp)) > (opts.toleranceSec ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, rawBody));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
