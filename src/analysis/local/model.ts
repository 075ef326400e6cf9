/**
 * The statistical half of the local analyzer: logistic regression over hashed caller-side unigrams and
 * bigrams plus tactic indicators (features.ts). Weights come from scripts/train.ts via weights.json.
 */
import type { Tactic } from '../types.js';
import { dot, featurize, sigmoid } from './features.js';
import defaultWeightsJson from './weights.json' with { type: 'json' };

export interface ModelWeights {
  version: 1;
  bits: number;
  bias: number;
  /** Length 2^bits + 6 (hash table, then one per tactic in TACTIC_ORDER); rounded. */
  weights: number[];
  /** Provenance, for humans. */
  trainedOn?: string[];
  examples?: number;
}

export class TextModel {
  private readonly w: Float64Array;
  private readonly bits: number;
  private readonly bias: number;

  constructor(weights: ModelWeights = defaultWeightsJson as ModelWeights) {
    if (weights.version !== 1 || weights.weights.length !== (1 << weights.bits) + 6) {
      throw new Error('weights.json: unexpected format');
    }
    this.w = Float64Array.from(weights.weights);
    this.bits = weights.bits;
    this.bias = weights.bias;
  }

  /** Probability (0..1) that the caller's words so far belong to a scam call. */
  score(callerText: string, tactics: readonly Tactic[]): number {
    if (!callerText.trim()) return 0;
    return sigmoid(this.bias + dot(this.w, featurize(callerText, tactics, this.bits)));
  }
}
