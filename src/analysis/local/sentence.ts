/** How far a sentence reaches either side: a recognizer writes no punctuation, and there a sentence is the dozen words either side. */
const reachIn = (text: string): number => (/[.?!]/.test(text) ? 200 : 70);

/** Where the sentence holding text[start] begins: after the last . ? ! or line break before it, within reach. */
export function sentenceStart(text: string, start: number, reach = reachIn(text)): number {
  const from = Math.max(0, start - reach);
  const before = text.slice(from, start);
  return from + Math.max(before.lastIndexOf('.'), before.lastIndexOf('?'), before.lastIndexOf('!'), before.lastIndexOf('\n')) + 1;
}

/** The sentence around text[start, end): from the last . ? ! or line break before it to the next after it. */
export function sentenceAround(text: string, start: number, end: number): string {
  const reach = reachIn(text);
  const after = text.slice(end, end + reach);
  const to = after.search(/[.?!\n]/);
  return text.slice(sentenceStart(text, start, reach), end) + (to >= 0 ? after.slice(0, to) : after);
}

/** Whether the sentence that holds text[start, end) ends in a question mark. */
export function inQuestion(text: string, end: number): boolean {
  const to = text.slice(end, end + 200).search(/[.?!\n]/);
  return to >= 0 && text[end + to] === '?';
}
