/** A request for money in any words: a sum and a paying verb in the same or the next sentence. */
import { describe, expect, it } from 'vitest';
import { moneyAsks } from '../../../../src/analysis/local/money-asks.js';
import { detectTactics } from '../../../../src/analysis/local/tactics.js';

const asks = (text: string): boolean => detectTactics(text).some((h) => h.evidence === 'money-request');

describe('money asks', () => {
  it.each([
    'I can stop it if you clear the balance now by card. It is three hundred and eighty-seven euro.',
    'To secure a place we would need twenty thousand pounds transferred to our client account by Thursday.',
    'So a hundred and eighty-four for the two. If you could send it on Revolut I will transfer the tickets.',
    'If you make a one-off bank transfer of two hundred and eighteen pounds to our reinstatement account, the cover is back.',
    'I can hold a slot for you with just five thousand today.',
    'The renewal is 389 euro plus VAT, and I can take that on a card now.',
    'i need you to pay four thousand nine ninety nine rupees today',
  ])('asks: %s', (text) => {
    expect(asks(text)).toBe(true);
  });

  it.each([
    // A sum with nothing asked, an ask with no sum, a known channel, a denial.
    ['a quote', 'The whole job would come to about two thousand dollars, no rush, have a think.'],
    ['an ask without a sum', 'You can pay whenever suits you.'],
    ['paying at the counter', 'Your co-pay is ten dollars, you can pay when you pick it up at the counter.'],
    ['paying on the bill', 'The fifteen dollar fee will be added so you pay it on your next bill.'],
    ['a denial', 'We will never ask you to pay five hundred dollars over the phone.'],
  ])('no ask: %s', (_name, text) => {
    expect(asks(text)).toBe(false);
  });

  it('points at the paying phrase, where negation is judged', () => {
    const text = 'It is four hundred dollars. Please send it today.';
    const [span] = moneyAsks(text);
    expect(text.slice(span!.at, span!.end)).toBe('send');
  });
});
