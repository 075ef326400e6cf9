/**
 * The local (offline) analyzer: rule-based tactic evidence over the caller's words combined with a small
 * logistic-regression text model. Stateless; the escalation policy turns its results into alerts.
 *
 * score = max(model, rules) with a small noisy-OR bonus when both agree, where `rules` is a fixed score
 * for the combination of evidence (claimed organisation + concrete demand, demand + threat, …). A caller
 * who gives real-bank safety advice ("call the number on the back of your card") and asks for nothing
 * is capped below 'high'.
 */
import { KEYPHRASES } from '../keyphrases.js';
import type { Analysis, AnalysisInput, Analyzer, RiskLevel, Tactic, WindowTurn } from '../types.js';
import { sigmoid } from './features.js';
import { TextModel, type ModelWeights } from './model.js';
import { negativeEvidenceOf } from './negative-evidence.js';
import { confidentText, HIT_CONFIDENCE, weighHits, WORD_CONFIDENCE } from './recognizer-evidence.js';
import { detectCallerTactics, detectTactics, tacticsOf, type Evidence, type TacticHit } from './tactics.js';

/**
 * How the two halves combine: each must agree with the other before a call alerts. Chosen with
 * `npm run validate -- --shift … --veto … --needs …` (docs/analysis.md "Combining the two halves"): every
 * source replayed with a model that never saw it, our 37 sources (1,337 scams, 1,043 legitimate calls)
 * pooled, plus the shared synthetic fold as the one source in a style none of ours has; the highest
 * pooled recall with false alarms at most 2.5 % on both (ties within 0.005 recall: more margin).
 * - MODEL_SHIFT: the model's logit is shifted down by this much before it meets the alert level, so on
 *   its own it alerts from p ≈ 0.95. It was 2 (p ≥ 0.97) while it knew little besides synthetic
 *   calls, then 0.5 until requests counted for the floor (below) and the shared fold's false alarms
 *   rose past 2.5 % (1 and 1.25: 3.4 % and 2.8 %).
 * - MODEL_VETO: a rule that fires where the model reads an ordinary call (p below this) cannot alert.
 *   Rules see words ("gift cards", "read me the code") and miss who is speaking and why — a police
 *   officer following up a reported gift-card scam, a helpdesk on the subscriber's own ticket.
 * - MODEL_NEEDS_RULE: the model cannot alert unless the rules see at least a claim, a pretext, an
 *   offer, an automated notice or a request of any kind (rule score 0.3). A model that never saw a
 *   style of call is over-confident on it: trained without the shared synthetic files it alarmed on
 *   61 of their 320 legitimate calls at shift 0.5; with this, 5.
 */
const MODEL_SHIFT = 1.5;
const MODEL_VETO = 0.7;
const MODEL_NEEDS_RULE = 0.3;
const logit = (p: number): number => Math.log(Math.max(1e-9, p) / Math.max(1e-9, 1 - p));

export const LEVEL_THRESHOLDS = { low: 0.3, medium: 0.55, high: 0.8 } as const;
/** The most unconfirmed recognizer hints can score: 'medium', never the alert level. */
const HINT_CEILING = 0.7;

const ORGS: readonly Evidence[] = ['government', 'bank', 'tech-support', 'family'];
const LURES: readonly Evidence[] = ['prize', 'refund', 'offer'];
/** Stories that are not impersonation and not a lure: a donation drive, a job, a parcel. */
const PRETEXTS: readonly Evidence[] = ['charity', 'job', 'delivery', 'romance', 'rental'];
/** Who the caller claims to be or what they offer, in the order that names the call best. */
const CLAIMS: readonly Evidence[] = [...ORGS, ...LURES, ...PRETEXTS];
const PAYMENT_DEMANDS: readonly Evidence[] = ['gift-cards', 'crypto', 'wire', 'safe-account', 'cash', 'fee'];
const CREDENTIAL_DEMANDS: readonly Evidence[] = ['ssn', 'id-number', 'pin-password', 'one-time-code', 'card-number', 'bank-login'];
/** Money sent on someone else's behalf: what a relative who cannot be checked asks for. */
const TRANSFERS: readonly Evidence[] = ['wire', 'money-request', 'account-number', 'gift-cards', 'crypto', 'cash'];

/** Credentials no genuine caller asks for: identity numbers and card details are asked for in real checks too. */
const SECRETS: readonly Evidence[] = ['one-time-code', 'pin-password', 'bank-login'];

/** Payments no genuine caller asks for, whoever started the contact (FTC: gift cards, crypto, cash). */
const UNUSUAL_PAYMENTS: readonly Evidence[] = ['gift-cards', 'crypto', 'safe-account', 'cash'];
/** Requests that are not damning alone (genuine callers make them too) but are a hook for the model to judge. */
const ASKS: readonly Evidence[] = ['money-request', 'read-back', 'new-bank-details', 'account-number', 'new-number'];

/** Words from which a single caller turn is a whole message (a robocall, a voicemail), not an opening. */
const WHOLE_MESSAGE_WORDS = 40;
const wordCount = (text: string): number => text.split(/\s+/).filter(Boolean).length;

const WARM_UP = 'Hello, this is the fraud department of your bank; your computer has a virus, please buy gift cards and read me the code.';

export interface LocalAnalyzerOptions {
  /** Model weights; the committed weights.json by default. */
  weights?: ModelWeights;
  /** Confidence thresholds for offline recognizer words (recognizer-evidence.ts). */
  hitConfidence?: number;
  wordConfidence?: number;
  /** Validation only (scripts/validate-sources.ts): the combination's settings; MODEL_SHIFT, MODEL_VETO, MODEL_NEEDS_RULE by default. */
  modelShift?: number;
  modelVeto?: number;
  modelNeedsRule?: number;
}

export interface LocalEvidence {
  modelScore: number;
  ruleScore: number;
  hits: TacticHit[];
  /** Hits in words the recognizer was unsure of, not corroborated: hints only. */
  unconfirmed: TacticHit[];
}

export class LocalAnalyzer implements Analyzer {
  readonly name = 'local' as const;
  private readonly model: TextModel;
  private readonly hitConfidence: number;
  private readonly wordConfidence: number;
  private readonly modelShift: number;
  private readonly modelVeto: number;
  private readonly modelNeedsRule: number;

  constructor(options: LocalAnalyzerOptions = {}) {
    this.model = new TextModel(options.weights);
    this.hitConfidence = options.hitConfidence ?? HIT_CONFIDENCE;
    this.wordConfidence = options.wordConfidence ?? WORD_CONFIDENCE;
    this.modelShift = options.modelShift ?? MODEL_SHIFT;
    this.modelVeto = options.modelVeto ?? MODEL_VETO;
    this.modelNeedsRule = options.modelNeedsRule ?? MODEL_NEEDS_RULE;

    // V8 compiles each pattern on first use (~20 ms in all): pay that here rather than in a call.
    this.explain({ window: [{ speaker: 'caller', text: WARM_UP }] });
  }

  async analyze(input: AnalysisInput, signal?: AbortSignal): Promise<Analysis> {
    signal?.throwIfAborted();
    return this.analyzeSync(input);
  }

  /** The same judgement, synchronously (benchmarks, replay). */
  analyzeSync(input: AnalysisInput): Analysis {
    const { analysis } = this.explain(input);
    return analysis;
  }

  /** The judgement with the evidence behind it. */
  explain(input: AnalysisInput): { analysis: Analysis; evidence: LocalEvidence } {
    const turns = callerTurns(input.window);
    const text = turns.map((t) => t.text).join(' \n ');
    const found = detectCallerTactics(turns.map((t) => t.text));
    turns.forEach((t, i) => {
      for (const k of t.keyphrases ?? []) for (const h of keyphraseHits(k, text)) found.push({ ...h, turn: i });
    });
    // Offline speech: tactics heard in words the decoder is unsure of are hints (recognizer-evidence.ts).
    const { confirmed: hits, all } = weighHits(found, turns, this.hitConfidence);
    const tactics = tacticsOf(hits);
    const ev = new Set(hits.map((h) => h.evidence));

    // On its own the model needs p ≥ ~0.95 to reach 'high' (logit shifted by MODEL_SHIFT).
    const modelRaw = this.model.score(turns.map((t) => confidentText(t, this.wordConfidence)).join(' \n '), tactics);
    let modelScore = modelRaw > 0 ? sigmoid(logit(modelRaw) - this.modelShift) : 0;
    // A first caller turn that asks for nothing is a claim, not yet a hook ("Hi Mom, it's me", "this is
    // technical support"): the model's word statistics alone do not alert on it. A long one is a
    // recorded message or a pitch told whole, and is judged like a call.
    if (turns.length < 2 && !hits.some((h) => !CLAIMS.includes(h.evidence)) && wordCount(turns[0]?.text ?? '') < WHOLE_MESSAGE_WORDS) {
      modelScore = Math.min(modelScore, LEVEL_THRESHOLDS.high - 0.05);
    }
    let ruleScore = ruleScoreOf(ev, hits);
    // Negative evidence (negative-evidence.ts): a caller who sends the subscriber to a channel they know,
    // or follows up contact the subscriber started, is capped below the alert unless they ask for what no
    // genuine caller asks for.
    const neg = negativeEvidenceOf(text);
    const pays = PAYMENT_DEMANDS.some((e) => ev.has(e));
    const reassured =
      (neg.knownChannel && !pays && !ev.has('remote-access') && !SECRETS.some((e) => ev.has(e))) ||
      // A follow-up that turns into a refund, prize or offer is the refund scam's opening, not a follow-up.
      (neg.subscriberStarted && !UNUSUAL_PAYMENTS.some((e) => ev.has(e)) && !CREDENTIAL_DEMANDS.some((e) => ev.has(e)) && !LURES.some((e) => ev.has(e)));
    if (ruleScore < 0.9 && reassured) ruleScore = Math.min(ruleScore, 0.2);
    // Each half must agree with the other (MODEL_VETO, MODEL_NEEDS_RULE above).
    if (modelRaw < this.modelVeto) ruleScore = Math.min(ruleScore, LEVEL_THRESHOLDS.high - 0.05);
    if (ruleScore < this.modelNeedsRule) modelScore = Math.min(modelScore, LEVEL_THRESHOLDS.high - 0.05);
    let score = Math.max(ruleScore, modelScore, 1 - (1 - 0.75 * ruleScore) * (1 - 0.75 * modelScore));
    if (reassured && !ev.has('ssn')) score = Math.min(score, LEVEL_THRESHOLDS.high - 0.05);
    // Unconfirmed hints may make the call look suspicious, never alert on their own.
    if (all.length > hits.length) score = Math.max(score, Math.min(ruleScoreOf(new Set(all.map((h) => h.evidence)), all), HINT_CEILING));
    // A subscriber keying digits during a call that already shows tactics: a mild signal only.
    const keyed = (input.dtmf ?? []).filter((d) => d.role !== 'caller').length;
    if (keyed >= 4 && tactics.length > 0) score = Math.min(1, score + 0.05);
    score = Math.round(Math.min(1, Math.max(0, score)) * 1000) / 1000;

    const level = levelOf(score);
    const category = level === 'none' ? 'none' : categoryOf(hits);
    // What the caller did, as the subscriber is told it: a credential only named is not one asked for.
    const asked = hits.filter((h) => !h.mentionedOnly);
    const shown = asked.length === hits.length ? tactics : tacticsOf(asked);
    const analysis: Analysis = {
      score,
      level,
      category,
      tactics: level === 'none' && shown.length === 0 ? [] : shown,
      explanation: explanationOf(asked, level),
      analyzer: 'local',
    };
    return { analysis, evidence: { modelScore, ruleScore, hits, unconfirmed: all.filter((h) => !hits.includes(h)) } };
  }
}

/** The caller's turns; when nobody is labelled caller, the unlabelled ones. */
function callerTurns(window: readonly WindowTurn[]): WindowTurn[] {
  const caller = window.filter((t) => t.speaker === 'caller');
  return caller.length > 0 ? caller : window.filter((t) => t.speaker === 'unknown');
}

/** Recognizer-spotted phrases the regexes may have missed (text can differ from the spotted phrase). */
function keyphraseHits(phrase: string, text: string): TacticHit[] {
  if (text.toLowerCase().includes(phrase.toLowerCase())) return [];
  if (!KEYPHRASES.some((p) => p.phrase === phrase.toLowerCase())) return [];
  return detectTactics(phrase);
}

export function levelOf(score: number): RiskLevel {
  if (score >= LEVEL_THRESHOLDS.high) return 'high';
  if (score >= LEVEL_THRESHOLDS.medium) return 'medium';
  if (score >= LEVEL_THRESHOLDS.low) return 'low';
  return 'none';
}

/** Labels of tech-support hits that name a company which never calls its customers unasked. */
const NEVER_CALLS = new Set(['Microsoft', 'Apple']);

function ruleScoreOf(ev: ReadonlySet<Evidence>, hits: readonly TacticHit[]): number {
  const strongClaim = ev.has('government') || ev.has('prize') || hits.some((h) => h.evidence === 'tech-support' && NEVER_CALLS.has(h.label));
  const org = ORGS.some((e) => ev.has(e));
  const lure = LURES.some((e) => ev.has(e));
  const pay = PAYMENT_DEMANDS.some((e) => ev.has(e));
  const cred = CREDENTIAL_DEMANDS.some((e) => ev.has(e));
  const remote = ev.has('remote-access');
  const install = ev.has('install-app');
  const threat = ev.has('threat');
  const secrecy = ev.has('secrecy');
  const hurry = ev.has('time-pressure');
  const demand = pay || cred || remote;

  const pretext = PRETEXTS.some((e) => ev.has(e));
  const unusual = UNUSUAL_PAYMENTS.some((e) => ev.has(e)) || ev.has('wire');

  if ((org || lure) && demand) return 0.92;
  // A one-time code read back to the caller: no bank, shop or courier ever asks for one (it is how
  // accounts and payments are taken over), whoever the caller says they are.
  if (ev.has('one-time-code') && ev.has('read-back')) return 0.88;
  // Pay or be arrested: no lawful collector or office threatens arrest over a phone payment (FTC).
  if (hits.some((h) => h.evidence === 'threat' && /arrest|warrant|jail|prison|custody/i.test(h.match)) && ev.has('money-request')) return 0.88;
  // Crypto sent to a wallet the caller gives: the investment scam's hook.
  if (ev.has('crypto') && ev.has('money-request')) return 0.85;
  // A landlord who cannot show the home asking for money up front, or hurrying it.
  if (ev.has('rental') && (ev.has('money-request') || ev.has('wire') || hurry)) return 0.85;
  // Invoice redirection: new bank details given over the phone, with the payment hurried.
  if (ev.has('new-bank-details') && (hurry || threat)) return 0.85;
  // "Hi Mum, I'm on a friend's phone": a relative who cannot be rung back asking for money sent on.
  if (ev.has('new-number') && TRANSFERS.some((e) => ev.has(e))) return 0.85;
  // The hook after a story (docs/scam-families.md): charities, employers and couriers do not take gift
  // cards, crypto or transfers to a person, nor charge a fee to hand over a job or a parcel.
  if (pretext && (unusual || ev.has('fee'))) return 0.88;
  // An up-front fee paid by an untraceable method or with card or identity details: the advance-fee hook
  // itself, whatever the story. (A balance owed is not a fee: real collectors take card payments.)
  if (ev.has('fee') && (unusual || cred)) return 0.85;
  // One-time codes, PINs, passwords or online-banking access asked for under a deadline or after a
  // break-in story: the bank-impersonation hook (genuine callers never ask for them).
  if (SECRETS.some((e) => ev.has(e)) && (hurry || ev.has('compromise'))) return 0.85;
  // An automated call is a hook when it follows an alarming or too-good claim (press 1, call back).
  if (ev.has('robocall') && (lure || threat)) return 0.82;
  if (demand && (threat || secrecy)) return 0.9;
  if (ev.has('tech-support') && install) return 0.85;
  if (org && threat) return 0.85;
  // Paying to receive a prize or a refund is the advance-fee scam, however the payment is asked for.
  if ((lure || ev.has('tech-support')) && ev.has('money-request')) return 0.88;
  // No real business or office takes gift cards as payment over the phone (FTC guidance); crypto and
  // "safe accounts" are nearly as damning.
  if (ev.has('gift-cards')) return 0.82;
  // A software or security company ringing to hand back money is the refund scam's opening.
  if (ev.has('refund') && ev.has('tech-support')) return 0.82;
  if (ev.has('crypto') || ev.has('safe-account')) return 0.7;
  if (secrecy && (org || lure || threat)) return 0.8;
  // Real callers spend their first turns setting the scene: a claimed organisation, an account said to be
  // compromised, "stay on the line", "are you in front of your computer". Each is weak; three distinct
  // kinds of them together are how a scam's set-up looks, and earn an alert before the demand.
  // An automated call that asks you to identify yourself is also how real banks check a card payment:
  // the two count as one set-up sign.
  const setUp = [org || lure, threat, secrecy, install, ev.has('compromise'), ev.has('robocall') || ev.has('personal-details')].filter(Boolean).length;
  if (setUp >= 3 && (org || lure)) return 0.82;
  // Some claims are scams' own: government offices, Microsoft and Apple do not cold-call people, and
  // nobody rings to hand over winnings. One more sign of the set-up is enough with those.
  if (setUp >= 2 && strongClaim) return 0.82;
  // Government offices and software companies do not ring people to hand out grants, lotteries or prizes.
  if (ev.has('prize') && (ev.has('government') || ev.has('tech-support'))) return 0.82;
  let s = 0;
  if (demand) s = Math.max(s, 0.5);
  if (threat) s = Math.max(s, 0.45);
  if (secrecy) s = Math.max(s, 0.45);
  // A claim of any kind (who they are, what they offer, the story) or an automated notice: the set-up
  // (docs/scam-families.md). Not a hook alone; enough for the model's judgement to stand on (MODEL_NEEDS_RULE).
  // The ask itself counts too (a payment, account details to pay into, something read back): judging the
  // hook, not the story, is the whole point, and many scams tell no story the rules know.
  if (org || lure || pretext || ev.has('offer') || ev.has('robocall') || ASKS.some((e) => ev.has(e))) s = Math.max(s, 0.3);
  if (install) s = Math.max(s, 0.3);
  if (hurry && s > 0) s += 0.15;
  return s;
}

function pickOrg(hits: readonly TacticHit[]): { evidence: Evidence; label: string } | undefined {
  const count = new Map<Evidence, number>();
  for (const h of hits) if (CLAIMS.includes(h.evidence)) count.set(h.evidence, (count.get(h.evidence) ?? 0) + 1);
  let best: Evidence | undefined;
  for (const e of CLAIMS) {
    const n = count.get(e) ?? 0;
    // An impersonated organisation beats a lure; among equals the first in order wins.
    const weight = n + (ORGS.includes(e) && n > 0 ? 100 : 0);
    const bestWeight = best ? (count.get(best) ?? 0) + (ORGS.includes(best) ? 100 : 0) : 0;
    if (n > 0 && weight > bestWeight) best = e;
  }
  if (!best) return undefined;
  const labels = hits.filter((h) => h.evidence === best).map((h) => h.label);
  // Most frequent label for that organisation.
  const freq = new Map<string, number>();
  for (const l of labels) freq.set(l, (freq.get(l) ?? 0) + 1);
  const label = [...freq.entries()].sort((a, b) => b[1] - a[1])[0]![0];
  return { evidence: best, label };
}

function categoryOf(hits: readonly TacticHit[]): string {
  const org = pickOrg(hits);
  if (!org) return 'other';
  // A refund or prize lure names the scam better than the company the caller poses as.
  if (org.evidence !== 'government' && org.evidence !== 'family') {
    if (hits.some((h) => h.evidence === 'refund')) return 'refund';
    if (hits.some((h) => h.evidence === 'prize')) return 'prize';
  }
  return org.evidence;
}

/**
 * What the SMS names after the claim, most telling first: what the caller asked the subscriber to do
 * (pay, give, install, key in, read out), then how they pushed. At most two.
 */
const DEMAND_ORDER: ReadonlyArray<{ matches: (h: TacticHit) => boolean; phrase: (label: string) => string }> = [
  { matches: (h) => h.tactic === 'payment', phrase: (l) => `demands ${l}` },
  { matches: (h) => h.tactic === 'credentials', phrase: (l) => `asks for ${l}` },
  { matches: (h) => h.tactic === 'remote-access', phrase: (l) => (l === 'installing an app' ? 'asks you to install an app' : `asks for ${l}`) },
  { matches: (h) => h.evidence === 'money-request', phrase: () => 'asks you for money' },
  { matches: (h) => h.evidence === 'robocall', phrase: () => 'asks you to press a key or call back' },
  { matches: (h) => h.tactic === 'urgency', phrase: (l) => l },
  { matches: (h) => h.tactic === 'secrecy', phrase: (l) => l },
];

function explanationOf(hits: readonly TacticHit[], level: RiskLevel): string {
  const demands: string[] = [];
  for (const d of DEMAND_ORDER) {
    if (demands.length >= 2) break;
    const matching = hits.filter(d.matches);
    if (matching.length === 0) continue;
    // Prefer threats over mere time pressure.
    const h = matching.find((x) => x.evidence === 'threat') ?? matching[0]!;
    demands.push(d.phrase(h.label));
  }
  const org = pickOrg(hits);
  let claim: string | undefined;
  if (org) {
    if (org.evidence === 'family') claim = 'claims to be a relative in trouble';
    else if (org.evidence === 'prize') claim = 'says you have won a prize';
    else if (org.evidence === 'refund') claim = 'offers you a refund';
    else if (org.evidence === 'offer') claim = 'makes an offer too good to be true';
    else if (org.evidence === 'charity') claim = 'asks for a donation';
    else if (org.evidence === 'job') claim = 'offers you a job';
    else if (org.evidence === 'delivery') claim = 'says a parcel is waiting for you';
    else if (org.evidence === 'romance') claim = 'says they are a partner far away';
    else if (org.evidence === 'rental') claim = 'offers a home to rent';
    else if (org.evidence === 'new-number') claim = 'says they are a relative on a new number';
    else claim = `claims to be from ${org.label}`;
  }
  const parts = [claim, ...demands].filter((p): p is string => !!p);
  if (parts.length === 0) {
    return level === 'none' || level === 'low'
      ? 'No signs of a scam so far.'
      : 'The conversation resembles known scam calls, though no specific demand has been made yet.';
  }
  const joined = parts.length === 1 ? parts[0]! : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}`;
  return `The caller ${joined}.`;
}
