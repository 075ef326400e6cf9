/**
 * A request for money in any words (docs/scam-families.md "How the ask sounds in each country"): a sum
 * and a paying verb in the same sentence of the caller's — "clear the balance now by card, three
 * hundred and eighty-seven euro", "twenty thousand pounds transferred to our client account by
 * Thursday", "so a hundred and eighty-four for the two, send it on Revolut". Genuine callers ask for
 * money too (a pharmacy's co-pay, a builder's stage payment), so this is a request for the model to
 * judge (local-analyzer.ts), never an alert alone.
 */

const NUMBER_WORD = String.raw`(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|a|few)`;
const CURRENCY = String.raw`(?:dollars?|bucks|pounds?|quid|euros?|rupees?|rand|grand|lakh|crore)`;
/** A sum of money as written or as spoken. */
const AMOUNT = new RegExp(
  String.raw`(?:[$£€₹] ?\d[\d,.]*(?:k\b)?|\b\d[\d,.]* ?(?:${CURRENCY}|k)\b|\b${NUMBER_WORD}(?:[- ]\w+){0,5}? (?:hundred|thousand|grand|lakh|crore)\b|\b${NUMBER_WORD}(?:[- ]\w+){0,2}? ${CURRENCY}\b)`,
  'i',
);
/** A verb or phrase that asks the listener to part with money now. */
const PAYING = /\b(?:pay|paying|send|sending|transfer|transferr?ed|transferring|deposit|wire|settle|clear(?: the| your)? (?:balance|amount|arrears)|take (?:it|that|payment|the payment|a payment|a card)|put (?:it )?(?:down|on (?:a|your) card)|(?:need|want|require)s? (?:just |only )?(?:a |the )?(?:deposit|payment|fee|transfer)|(?:to|into) (?:our|my|the) (?:client|reinstatement|trust|holding|escrow|billing|verification|company) account|hold (?:a|the|your) (?:slot|place|spot|booking))\b/i;
/** Paying in person or through the bill: a channel the subscriber already knows, not an ask on the phone. */
const KNOWN_CHANNEL = /\b(?:when you (?:pick|collect|come|arrive|get here|call in)|at the (?:counter|desk|till|store|shop|pharmacy|clinic|surgery|reception|front desk|appointment|branch)|in (?:store|person|branch)|on (?:your|the) (?:next )?(?:bill|statement|invoice)|on (?:delivery|collection|pickup|pick-up)|(?:log ?in|sign in) to your account)\b/i;
/** Sentence boundaries; spoken transcripts without punctuation count as one sentence per turn. */
const SENTENCE = /[^.?!]+[.?!]*/g;

export interface Span {
  match: string;
  at: number;
  end: number;
}

/** Sentences of `text` that ask for money to be paid, with a sum named in them or next to them. */
export function moneyAsks(text: string): Span[] {
  // Most turns ask for nothing: one scan for a paying verb decides before any sentence is split.
  if (!PAYING.test(text)) return [];
  const sentences: Array<{ text: string; at: number }> = [];
  SENTENCE.lastIndex = 0;
  let s: RegExpExecArray | null;
  while ((s = SENTENCE.exec(text)) !== null) sentences.push({ text: s[0], at: s.index });
  const sums = sentences.map((x) => AMOUNT.test(x.text));
  const out: Span[] = [];
  sentences.forEach((x, i) => {
    // "Ninety-two each, so a hundred and eighty-four. Send it on Revolut": the sum is often a sentence away.
    if (!(sums[i] || sums[i - 1] || sums[i + 1])) return;
    if (KNOWN_CHANNEL.test(x.text)) return;
    const paying = PAYING.exec(x.text);
    // The hit is the paying phrase: negation is judged where the ask is ("we will never ask you to pay").
    if (paying) out.push({ match: paying[0], at: x.at + paying.index, end: x.at + paying.index + paying[0].length });
  });
  return out;
}
