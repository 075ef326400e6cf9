/**
 * The text featurizer shared by training and inference: lower-cased word unigrams and bigrams of the
 * caller's words, hashed (FNV-1a) into a fixed table, binary and L2-normalised, plus one feature per
 * tactic seen by the rule detectors.
 */
import type { Tactic } from '../types.js';
import { TACTIC_ORDER } from './tactics.js';

export const DEFAULT_HASH_BITS = 14;

const TOKEN = /[a-z0-9]+(?:'[a-z]+)?/g;

export function tokenize(text: string): string[] {
  return text.toLowerCase().match(TOKEN) ?? [];
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export interface SparseVector {
  idx: number[];
  val: number[];
}

/**
 * Hashed features of `text` into [0, 2^bits) followed by TACTIC_ORDER.length tactic slots at
 * [2^bits, 2^bits + 6). Text features are binary and L2-normalised; tactic features are 1.
 */
export function featurize(text: string, tactics: readonly Tactic[], bits: number = DEFAULT_HASH_BITS): SparseVector {
  const mask = (1 << bits) - 1;
  const toks = tokenize(text);
  const set = new Set<number>();
  let prev = '<s>';
  for (const t of toks) {
    set.add(fnv1a(t) & mask);
    set.add(fnv1a(prev + ' ' + t) & mask);
    prev = t;
  }
  const idx = [...set];
  const norm = idx.length > 0 ? 1 / Math.sqrt(idx.length) : 0;
  const val = idx.map(() => norm);
  const base = 1 << bits;
  for (const t of tactics) {
    idx.push(base + TACTIC_ORDER.indexOf(t));
    val.push(1);
  }
  return { idx, val };
}

export function dot(w: ArrayLike<number>, x: SparseVector): number {
  let s = 0;
  for (let i = 0; i < x.idx.length; i++) s += (w[x.idx[i]!] ?? 0) * x.val[i]!;
  return s;
}

export const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));
