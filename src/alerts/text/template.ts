/**
 * The shape of one language's alert text. Written in natural spelling; render.ts folds it onto GSM-7
 * (transliterate.ts) so every language is sent in the 160/153-septet alphabet.
 */

/** Who the caller pretends to be, or the lure: the alert's category, refined by the English explanation. */
export type ClaimKey =
  | 'government'
  | 'tax'
  | 'police'
  | 'social-security'
  | 'bank'
  | 'tech-support'
  | 'family'
  | 'prize'
  | 'refund'
  /** Impersonation seen but no category named. */
  | 'someone-trusted';

/** What the caller wants: one per tactic, some refined by the English explanation. */
export type DemandKey =
  | 'payment'
  | 'gift-cards'
  | 'crypto'
  | 'transfer'
  | 'safe-account'
  | 'cash'
  | 'fee'
  | 'credentials'
  | 'id-number'
  | 'pin'
  | 'code'
  | 'card'
  | 'account'
  | 'online-banking'
  | 'remote-access'
  | 'install-app'
  | 'urgency'
  | 'arrest'
  | 'legal'
  | 'suspend'
  | 'compromised'
  | 'secrecy';

/** Pieces of "<subject> <claim>, <demand> and <demand>." Each claim and demand is a verb phrase. */
export interface ExplanationText {
  subject: string;
  claims: Record<ClaimKey, string>;
  demands: Record<DemandKey, string>;
  /** The last list separator, with its spaces: " and ". */
  and: string;
  /** When neither category nor tactics say anything specific; follows the headline, so "it" is the call. */
  generic: string;
}

/** A text with a shorter form the renderer falls back to when the message is too long. */
export interface Shortenable {
  full: string;
  short: string;
}

export interface AlertLocale {
  /** Primary language subtag (BCP 47), e.g. "es". */
  lang: string;
  /** "<brand>: the current call from <caller> is likely a scam."; caller undefined when not shown. */
  headline(brand: string, caller: string | undefined): string;
  /** Hang up and never share codes. */
  advice: Shortenable;
  /** Call back on a number you trust; `full` names the example (the number on your card). */
  callBack: Shortenable;
  /** The operator's help line, when it has one. */
  help(number: string): string;
  /** That the judgement is automatic and can be wrong. */
  caveat: Shortenable;
  /** Ends the message; the reply keyword follows it after a space, untouched by transliteration. */
  replyPrompt: string;
  explanation: ExplanationText;
}
