/**
 * How the rules and the model combine (local-analyzer.ts MODEL_SHIFT / MODEL_VETO / MODEL_NEEDS_RULE):
 * each half must agree with the other before a call alerts. A model with a fixed opinion (every
 * weight 0, the bias alone deciding p) isolates the combination from what the shipped model learned.
 */
import { describe, expect, it } from 'vitest';
import { LocalAnalyzer } from '../../../../src/analysis/local/index.js';
import type { ModelWeights } from '../../../../src/analysis/local/model.js';
import type { WindowTurn } from '../../../../src/analysis/types.js';

const BITS = 4;
/** A model that says p for every call. */
const modelSaying = (p: number): ModelWeights => ({ version: 1, bits: BITS, bias: Math.log(p / (1 - p)), weights: new Array((1 << BITS) + 6).fill(0) });
const caller = (...texts: string[]): WindowTurn[] => texts.map((text) => ({ speaker: 'caller' as const, text }));

const HOOK = caller('This is the fraud department of your bank.', 'To protect your money, buy gift cards and read me the numbers on the back.');
const CLAIM_ONLY = caller('This is the fraud department of your bank.', 'We noticed a login from a new device on your account.');
const NOTHING = caller('Hi, it is Sam from next door.', 'Could you water the plants on Saturday, we are away for the weekend.');

describe('rules and model must agree', () => {
  it('a rule hook alerts when the model agrees, and is held at medium when the model reads an ordinary call', () => {
    const agree = new LocalAnalyzer({ weights: modelSaying(0.9) }).analyzeSync({ window: HOOK });
    expect(agree.level).toBe('high');
    const { analysis, evidence } = new LocalAnalyzer({ weights: modelSaying(0.2) }).explain({ window: HOOK });
    expect(evidence.hits.map((h) => h.evidence)).toEqual(expect.arrayContaining(['bank', 'gift-cards']));
    expect(analysis.level).toBe('medium');
    // The veto is the setting: without it, the rules alone alert.
    expect(new LocalAnalyzer({ weights: modelSaying(0.2), modelVeto: 0 }).analyzeSync({ window: HOOK }).level).toBe('high');
  });

  it('the model alerts on its own only when the rules see at least a claim, and only above the shifted bar', () => {
    const sure = new LocalAnalyzer({ weights: modelSaying(0.99) });
    expect(sure.analyzeSync({ window: CLAIM_ONLY }).level).toBe('high');
    // Words the rules find nothing in: the model's certainty alone is not enough.
    expect(sure.analyzeSync({ window: NOTHING }).level).not.toBe('high');
    expect(new LocalAnalyzer({ weights: modelSaying(0.99), modelNeedsRule: 0 }).analyzeSync({ window: NOTHING }).level).toBe('high');
    // p 0.93 is under the bar (logit shifted by 1.5: about 0.95 is needed).
    expect(new LocalAnalyzer({ weights: modelSaying(0.93) }).analyzeSync({ window: CLAIM_ONLY }).level).not.toBe('high');
    expect(new LocalAnalyzer({ weights: modelSaying(0.97) }).analyzeSync({ window: CLAIM_ONLY }).level).toBe('high');
  });

  it('a first turn that only claims is an opening, unless it is a whole recorded message', () => {
    const sure = new LocalAnalyzer({ weights: modelSaying(0.99) });
    const opening = caller('This is the fraud department of your bank.');
    const message = caller(
      'This is an important message from the fraud department of your bank. We have detected unusual activity on your card ' +
        'ending in four four one two, including a charge of nine hundred dollars at an electronics store in another state, and ' +
        'your card has been placed on a temporary hold until we hear from you about these transactions.',
    );
    expect(sure.analyzeSync({ window: opening }).level).not.toBe('high');
    expect(sure.analyzeSync({ window: message }).level).toBe('high');
  });
});
