/**
 * Identifiers for the simulated SRC's messages. RFC 3261 §19.3 wants tags and Call-IDs globally
 * unique and random; §8.1.1.7 wants branches unique over space and time and starting with the
 * magic cookie, or callguard would match our requests as RFC 2543 ones.
 */
import { randomBytes } from 'node:crypto';
import { BRANCH_MAGIC_COOKIE } from '../sip/native/header-values.js';

export function newTag(): string {
  return randomBytes(8).toString('hex');
}

export function newBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomBytes(10).toString('hex')}`;
}

export function newCallId(host: string): string {
  return `${randomBytes(12).toString('hex')}@${host.includes(':') ? `[${host}]` : host}`;
}

/** RFC 7865 §6.9: metadata ids are base64-encoded UUIDs (16 random bytes). */
export function newMetadataId(): string {
  return randomBytes(16).toString('base64');
}
