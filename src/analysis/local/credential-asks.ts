/**
 * Whether a credential the caller names is asked for or only mentioned. "Your Social Security number
 * has been suspended" names the number to alarm; "press one to verify your Social Security number"
 * asks for it. Both weigh the same in the judgement (the robocall will ask once a person answers); the
 * SMS names only what the caller asked the subscriber to do (issue 13, item 6).
 */
import type { Evidence } from './tactics.js';
import { inQuestion, sentenceAround, sentenceStart } from './sentence.js';

/** Credentials a caller names in a claim as often as in a request. Codes, logins and personal details are named to be asked for. */
const MENTIONABLE: ReadonlySet<Evidence> = new Set<Evidence>(['ssn', 'id-number', 'account-number', 'card-number', 'pin-password']);

/** A request in the sentence: a verb that takes the credential from the subscriber, or a request for it to be at hand. */
const ASK_CUE =
  /\b(?:verify(?:ing)?|verification|confirm(?:s|ed|ing|ation)?|enter(?:ing)?|provide|providing|give|giving|tell (?:me|us)|read(?:ing)?|share|sharing|update|key(?:ing)? in|type|spell|recite|submit|fill(?:ing)? in|put (?:in|your|the|pin)|tap (?:in|your|it)|(?:log|sign) ?(?:in|on) with|input|take down|go ahead|send (?:me|us|it|them|over)|text (?:me|us)|required?|requires|need (?:a|an|your|the|you to|to (?:have|see|take|get))|(?:take|get|grab|fetch) (?:your|the|down)|ready|handy|what(?:'s| is| was)|whats|can i (?:get|have|take)|may i (?:get|have|take)|(?:could|can|would) you|last (?:four|4|two|six)|first (?:four|two|few)|digits? of|starts? with|ending in)\b/i;

/** True when a credential hit of `evidence` at text[at, end) is named without being asked for. */
export function credentialMentionedOnly(evidence: Evidence, text: string, at: number, end: number): boolean {
  if (!MENTIONABLE.has(evidence)) return false;
  const sentence = sentenceAround(text, at, end);
  if (ASK_CUE.test(sentence) || inQuestion(text, end)) return false;
  // A fragment ("Routing number and the account number.") finishes the sentence before it ("Tell me
  // the numbers at the bottom of the check.").
  const start = sentenceStart(text, at);
  if (sentence.trim().split(/\s+/).length > FRAGMENT_WORDS || start <= 1) return true;
  return !ASK_CUE.test(sentenceAround(text, start - 2, start - 1));
}

/** A sentence this short is read with the one before it. */
const FRAGMENT_WORDS = 8;
