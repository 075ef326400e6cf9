/**
 * Written text → the words a speaker says, lower-case, for the language model's corpus and for
 * comparing a recognizer's output with a script (word accuracy). "$45" → "forty five dollars",
 * "2:30" → "two thirty", "9th" → "ninth", "Dr." → "doctor"; everything else that is not a letter or
 * an apostrophe inside a word becomes a word break.
 */

const ONES = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const ORDINAL_IRREGULAR: Record<string, string> = { one: 'first', two: 'second', three: 'third', five: 'fifth', eight: 'eighth', nine: 'ninth', twelve: 'twelfth' };

const ABBREVIATIONS: Record<string, string> = {
  dr: 'doctor',
  mr: 'mister',
  mrs: 'missus',
  ms: 'miss',
  ave: 'avenue',
  jr: 'junior',
  sr: 'senior',
  vs: 'versus',
  etc: 'etcetera',
  ok: 'okay',
};

/** 0 ≤ n < 10^12 in words ("one thousand two hundred five"). */
export function numberWords(n: number): string {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`not a whole number: ${n}`);
  if (n < 20) return ONES[n]!;
  if (n < 100) return TENS[Math.floor(n / 10)]! + (n % 10 ? ` ${ONES[n % 10]}` : '');
  if (n < 1000) return `${ONES[Math.floor(n / 100)]} hundred${n % 100 ? ` ${numberWords(n % 100)}` : ''}`;
  for (const [size, name] of [
    [1e9, 'billion'],
    [1e6, 'million'],
    [1e3, 'thousand'],
  ] as const) {
    if (n >= size) {
      const rest = n % size;
      return `${numberWords(Math.floor(n / size))} ${name}${rest ? ` ${numberWords(rest)}` : ''}`;
    }
  }
  return String(n);
}

function ordinalWords(n: number): string {
  const words = numberWords(n).split(' ');
  const last = words.pop()!;
  const ord = ORDINAL_IRREGULAR[last] ?? (last.endsWith('y') ? `${last.slice(0, -1)}ieth` : `${last}th`);
  return [...words, ord].join(' ');
}

/** Digits as a speaker reads them: years and short numbers as numbers, long ones digit by digit. */
function digitsWords(digits: string): string {
  if (digits.length > 1 && digits.startsWith('0')) return [...digits].map((d) => (d === '0' ? 'oh' : ONES[Number(d)]!)).join(' ');
  const n = Number(digits);
  if (digits.length === 4 && n >= 1100 && n < 2100 && n % 100 !== 0 && !(n >= 2000 && n < 2010)) {
    // Years: "nineteen ninety", "twenty twenty four".
    const hi = Math.floor(n / 100);
    const lo = n % 100;
    return `${numberWords(hi)} ${lo < 10 ? `oh ${ONES[lo]}` : numberWords(lo)}`;
  }
  if (digits.length <= 6) return numberWords(n);
  return [...digits].map((d) => ONES[Number(d)]!).join(' ');
}

/** The spoken words of `text`, lower-case, single-spaced. */
export function spokenWords(text: string): string[] {
  let t = text
    .replace(/[\u2018\u2019\u02bc]/g, "'")
    .replace(/&/g, ' and ')
    .replace(/%/g, ' percent ')
    .replace(/@/g, ' at ')
    .replace(/\+/g, ' plus ')
    // "a.m."/"2pm" (but never the verb "am").
    .replace(/\b([ap])\.m\.?/gi, ' $1 m ')
    .replace(/(\d)\s*([ap])m\b/gi, '$1 $2 m');
  // "$1,250.50" → "1250 dollars 50 cents"; "$5" → "5 dollars".
  t = t.replace(/\$\s?(\d[\d,]*)(?:\.(\d{2}))?/g, (_m, whole: string, cents?: string) => {
    const n = Number(whole.replace(/,/g, ''));
    const w = `${n < 1e12 ? numberWords(n) : whole} dollars`;
    return cents && cents !== '00' ? `${w} ${numberWords(Number(cents))} cents` : w;
  });
  // "2:30" → "2 30", "9:05" → "9 oh 5", "10:00" → "10".
  t = t.replace(/\b(\d{1,2}):(\d{2})\b/g, (_m, h: string, m: string) => (m === '00' ? h : m.startsWith('0') ? `${h} oh ${m[1]}` : `${h} ${m}`));
  t = t.replace(/\b(\d+)(?:st|nd|rd|th)\b/gi, (_m, d: string) => ` ${ordinalWords(Number(d))} `);
  // Thousands separators; decimals read as "point".
  t = t.replace(/(\d),(?=\d{3}\b)/g, '$1').replace(/(\d)\.(\d)/g, '$1 point $2');
  t = t.replace(/\d+/g, (d) => ` ${digitsWords(d)} `);
  const words: string[] = [];
  for (const raw of t.toLowerCase().split(/[^a-z']+/)) {
    const w = raw.replace(/^'+|'+$/g, '');
    if (!w) continue;
    const expanded = ABBREVIATIONS[w];
    if (expanded) words.push(...expanded.split(' '));
    else words.push(w);
  }
  return words;
}
