/** Parsers shared by the areas' settings, and the typed view of an area's parsed values. */
import { isIP } from 'node:net';
import { z } from 'zod';
import type { Settings } from './types.js';

export const port = z.coerce.number().int().min(0).max(65535);
export const positiveInt = z.coerce.number().int().positive();
export const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export const host = z.string().refine((s) => isIP(s) !== 0 || s === 'localhost' || /^[a-z0-9.-]+$/i.test(s), 'must be an IP address or host name');

/** An optional setting: empty (its default) or a value `schema` accepts. */
export const orEmpty = <T extends z.ZodType>(schema: T) => z.union([z.literal(''), schema]);

/** An area's settings as parsed: what its builder reads. */
export type Values<S extends Settings> = { [K in keyof S]: z.output<S[K]['parse']> };

/** A comma-separated list whose items each parse, or fail the setting with `problem`'s message. */
export function listOf<T>(parseItem: (item: string) => T | undefined, problem: (item: string, index: number) => string) {
  return z.string().transform((s, ctx) => {
    const out: T[] = [];
    for (const [i, item] of list(s).entries()) {
      const value = parseItem(item);
      if (value === undefined) {
        ctx.addIssue({ code: 'custom', message: problem(item, i) });
        return z.NEVER;
      }
      out.push(value);
    }
    return out;
  });
}
