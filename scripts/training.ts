/**
 * Fitting the local analyzer's text model (src/analysis/local/model.ts): examples from labelled dialogues
 * and a deterministic SGD logistic regression. Shared by `npm run train` (writes weights.json) and
 * `npm run validate` (leave-one-source-out), so what is validated is what is shipped.
 */
import { seededRandom as rng } from '../src/simulate/seeded-random.js';
import type { LabelledDialogue } from '../src/analysis/local/dialogues.js';
import { featurize, sigmoid, type SparseVector } from '../src/analysis/local/features.js';
import type { ModelWeights } from '../src/analysis/local/model.js';
import { detectCallerTactics, tacticsOf } from '../src/analysis/local/tactics.js';

export interface Example {
  x: SparseVector;
  y: 0 | 1;
  weight: number;
}

/** One example per caller-turn prefix (k = 1..n), so the model learns to score early in the call. */
export function examplesOf(dialogues: readonly LabelledDialogue[], bits: number, maxPrefix: number, weight = 1): Example[] {
  const out: Example[] = [];
  for (const d of dialogues) {
    const caller = d.turns.filter((t) => t.speaker === 'caller').map((t) => t.text);
    const n = Math.min(caller.length, maxPrefix);
    for (let k = 1; k <= n; k++) {
      const text = caller.slice(0, k).join(' \n ');
      const tactics = tacticsOf(detectCallerTactics(caller.slice(0, k)));
      out.push({ x: featurize(text, tactics, bits), y: d.label, weight });
    }
    if (caller.length > maxPrefix) {
      const text = caller.join(' \n ');
      out.push({ x: featurize(text, tacticsOf(detectCallerTactics(caller)), bits), y: d.label, weight });
    }
  }
  return out;
}

/** SGD with a decaying rate and light L2; the shuffle is seeded, so the same data gives the same weights. */
function fitOnce(examples: readonly Example[], dim: number, epochs: number, seed: number, log: (line: string) => void): { w: Float64Array; bias: number } {
  const w = new Float64Array(dim);
  let bias = 0;
  const rand = rng(seed);
  const order = examples.map((_, i) => i);
  const l2 = 1e-5;
  let step = 0;
  for (let e = 0; e < epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let loss = 0;
    for (const oi of order) {
      const ex = examples[oi]!;
      const lr = 0.5 / (1 + step * 2e-5);
      step++;
      let z = bias;
      for (let k = 0; k < ex.x.idx.length; k++) z += w[ex.x.idx[k]!]! * ex.x.val[k]!;
      const p = sigmoid(z);
      loss -= ex.y ? Math.log(p + 1e-12) : Math.log(1 - p + 1e-12);
      const g = (p - ex.y) * ex.weight;
      bias -= lr * g;
      for (let k = 0; k < ex.x.idx.length; k++) {
        const idx = ex.x.idx[k]!;
        w[idx] = w[idx]! - lr * (g * ex.x.val[k]! + l2 * w[idx]!);
      }
    }
    log(`seed ${seed} epoch ${e + 1}/${epochs}: mean log-loss ${(loss / examples.length).toFixed(4)}`);
  }
  return { w, bias };
}

/**
 * The mean of the weights of `seeds` fits, each with its own shuffle. One SGD run's weights depend on
 * the order it saw the examples in: adding one set moved real-call recall by two calls of twenty
 * either way. The average of five keeps what every order agrees on (real calls 15 → 16 of 20, decoded
 * spoken calls 183 → 185 of 200, no false alarm more; docs/analysis.md).
 */
export function fit(examples: readonly Example[], dim: number, epochs: number, log: (line: string) => void = () => {}, seeds = 5): { w: Float64Array; bias: number } {
  const w = new Float64Array(dim);
  let bias = 0;
  for (let k = 0; k < seeds; k++) {
    const one = fitOnce(examples, dim, epochs, 42 + k, log);
    for (let i = 0; i < dim; i++) w[i]! += one.w[i]! / seeds;
    bias += one.bias / seeds;
  }
  return { w, bias };
}

/** The weights file's shape, rounded as committed. */
export function toWeights(bits: number, fitted: { w: Float64Array; bias: number }, trainedOn: string[], examples: number): ModelWeights {
  return {
    version: 1,
    bits,
    bias: Math.round(fitted.bias * 1000) / 1000,
    weights: Array.from(fitted.w, (v) => Math.round(v * 1000) / 1000),
    trainedOn,
    examples,
  };
}
