import type { ChainableCommander } from 'ioredis';

/**
 * Runs a pipeline or MULTI and returns its replies, throwing the first command error: ioredis
 * resolves exec() with per-command errors, which would otherwise read as "not found".
 */
export async function execAll(batch: ChainableCommander): Promise<unknown[]> {
  const replies = await batch.exec();
  if (replies === null) throw new Error('state store: Redis transaction aborted');
  return replies.map(([err, reply]) => {
    if (err) throw err;
    return reply;
  });
}

/** JSON written by this store; anything else (a stray or truncated value) reads as absent. */
export function parseJson<T>(text: string | null | undefined, isValid: (v: unknown) => v is T): T | undefined {
  if (typeof text !== 'string') return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return isValid(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
