/**
 * Tags, branches and session ids. RFC 3261 §19.3 wants tags globally unique and cryptographically
 * random (at least 32 bits); §8.1.1.7 wants branches unique over space and time. Random bytes are
 * drawn from a pooled buffer so the hot path does not make one system call per id.
 */
import { randomBytes } from 'node:crypto';
import { BRANCH_MAGIC_COOKIE } from './header-values.js';

const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  const out = pool.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return out;
}

/** A From/To tag: 64 random bits. */
export function newTag(): string {
  return randomHex(8);
}

/** A Via branch with the RFC 3261 magic cookie. */
export function newBranch(): string {
  return `${BRANCH_MAGIC_COOKIE}${randomHex(10)}`;
}

/** An adapter-unique session id. */
export function newSessionId(): string {
  return `sn-${randomHex(12)}`;
}
