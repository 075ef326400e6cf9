/** The sentence around text[start, end): from the last . ? ! or line break before it to the next after it. */
export function sentenceAround(text: string, start: number, end: number): string {
  // A recognizer writes no punctuation: there, a sentence is the dozen words either side.
  const reach = /[.?!]/.test(text) ? 200 : 70;
  const before = text.slice(Math.max(0, start - reach), start);
  const from = Math.max(before.lastIndexOf('.'), before.lastIndexOf('?'), before.lastIndexOf('!'), before.lastIndexOf('\n'));
  const after = text.slice(end, end + reach);
  const to = after.search(/[.?!\n]/);
  return before.slice(from + 1) + text.slice(start, end) + (to >= 0 ? after.slice(0, to) : after);
}

/** Whether the sentence that holds text[start, end) ends in a question mark. */
export function inQuestion(text: string, end: number): boolean {
  const to = text.slice(end, end + 200).search(/[.?!\n]/);
  return to >= 0 && text[end + to] === '?';
}
