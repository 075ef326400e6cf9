/**
 * The hook, not the words (docs/scam-families.md): a story followed by a request no genuine caller makes
 * alerts; the same words with negative evidence (a channel the subscriber knows, contact the subscriber
 * started, a warning instead of a request) do not.
 */
import { describe, expect, it } from 'vitest';
import { LocalAnalyzer } from '../../../../src/analysis/local/local-analyzer.js';
import { negativeEvidenceOf } from '../../../../src/analysis/local/negative-evidence.js';
import { detectTactics } from '../../../../src/analysis/local/tactics.js';
import type { WindowTurn } from '../../../../src/analysis/types.js';
import { replayConversation } from './replay.js';

const analyzer = new LocalAnalyzer();

/** Caller turns with a neutral subscriber reply between them. */
function call(...callerTurns: string[]): WindowTurn[] {
  return callerTurns.flatMap((text) => [
    { speaker: 'caller' as const, text },
    { speaker: 'subscriber' as const, text: 'Okay.' },
  ]);
}

const alerts = (turns: WindowTurn[]): boolean => replayConversation(analyzer, 'hooks', 1, turns).alertTurn !== undefined;
/**
 * The rules' verdict alone (the model's veto off): for two-turn calls written to show one hook, where
 * the shipped model has too few words to agree (combination.test.ts covers the agreement).
 */
const rulesOnly = new LocalAnalyzer({ modelVeto: 0 });
const rulesAlert = (turns: WindowTurn[]): boolean => replayConversation(rulesOnly, 'hooks', 1, turns).alertTurn !== undefined;

describe('hooks after a pretext', () => {
  it.each([
    [
      'charity, money to a person',
      call(
        'Good evening, I am calling for the Coastal Flood Relief Fund, families there lost their homes last night.',
        'Could you give a hundred dollars tonight? Please send it straight to our coordinator\'s personal account, I will text you the details.',
      ),
      'charity',
    ],
    [
      'job with a fee',
      call(
        'Hi, this is Paula from Brightway Staffing. You applied for the data entry role, and you have been shortlisted.',
        'Before you start we book your training certificate. There is a training fee of ninety dollars, I just need your card details.',
      ),
      'job',
    ],
    [
      'parcel fee with card details',
      call(
        'Hello, this is the parcel depot. We tried to deliver a package today but there is an unpaid customs charge of two dollars.',
        'To rebook it I need to take the customs fee now. What is the card number and the security code on the back?',
      ),
      'delivery',
    ],
    [
      'automated notice after a too-good claim',
      call('This is a message about your student loan forgiveness. Your balance may be forgiven under a new federal program. Press one now to speak to a specialist.'),
      'offer',
    ],
    [
      'a code read back after a break-in story',
      call(
        'Hello, this is the security center of your bank. A new device tried to sign in to your online banking ten minutes ago.',
        'To block it the system is sending a code to your phone. Please read it to me so I can confirm you are the owner.',
      ),
      undefined,
    ],
    [
      'a shut-off paid at a Bitcoin ATM',
      call(
        'Hello, I am calling from the gas company about the meter at your restaurant.',
        'There is an unpaid deposit, and without it we will shut off your gas before dinner. Go to the Bitcoin ATM on the corner and I will text you the code.',
      ),
      undefined,
    ],
    [
      'exposure threat and crypto',
      call('I have a video of you from your webcam. Pay eight hundred dollars in Bitcoin or I send it to all your contacts tonight.'),
      undefined,
    ],
  ])('%s alerts', (_name, turns, category) => {
    expect(alerts(turns)).toBe(true);
    if (category) expect(analyzer.analyzeSync({ window: turns }).category).toBe(category);
  });

  it('names the pretext in the explanation', () => {
    const a = analyzer.analyzeSync({
      window: call(
        'Hello, I am calling from the Hillside Wildfire Appeal, we are raising emergency funds for families.',
        'The quickest way to donate is a gift card, you can buy one at any store and read me the numbers.',
      ),
    });
    expect(a.level).toBe('high');
    expect(a.explanation).toBe('The caller asks for a donation and demands payment in gift cards.');
  });

  it.each([
    ['an appointment reminder robocall', call('This is an automated message from Maple Dental. You have a cleaning on Tuesday at ten. Press one to confirm or two to reschedule.')],
    ['a charity thanking a donor', call('Hi, this is Sam from the Coastal Flood Relief Fund. I just wanted to thank you for your donation last month, it paid for two family kits.')],
    ['a job offer without a fee', call('Hi, this is Paula from Brightway Staffing. You have been shortlisted for the data entry role. Can you come in for an interview on Monday at nine?')],
    ['a courier arranging a delivery', call('Hi, it is the courier, we tried to deliver your parcel this morning. Can I leave it with your neighbour at number twelve?')],
  ])('%s does not alert', (_name, turns) => {
    expect(alerts(turns)).toBe(false);
  });
});

describe('negative evidence', () => {
  it('finds a known channel and contact the subscriber started, also in unpunctuated recognizer text', () => {
    expect(negativeEvidenceOf('please hang up and call the number on the back of your card')).toEqual({ knownChannel: true, subscriberStarted: false });
    expect(negativeEvidenceOf("i'm following up on the report you filed last week")).toEqual({ knownChannel: false, subscriberStarted: true });
    expect(negativeEvidenceOf('i got your message about the letter')).toMatchObject({ subscriberStarted: true });
    expect(negativeEvidenceOf('this is your bank we need to verify your account')).toEqual({ knownChannel: false, subscriberStarted: false });
  });

  it('a fraud desk that promises not to ask and blocks the card does not alert', () => {
    const turns = call(
      'Hello, this is the fraud department at Lakeside Credit Union, about unusual activity on your debit card.',
      'Before we go on, I will not ask for your PIN or any code sent to your phone.',
      'I have blocked the card so nothing else goes through. A new card will be mailed to you.',
    );
    expect(alerts(turns)).toBe(false);
  });

  it('a helpdesk answering the subscriber\'s ticket may take remote control without an alert', () => {
    const turns = call(
      'Hi, this is Omar from the IT service desk, I am calling about the ticket you opened this morning.',
      'I am sending a remote session request right now through the company portal, please click accept.',
    );
    expect(alerts(turns)).toBe(false);
  });

  it('contact the subscriber started does not excuse gift cards or a code', () => {
    const turns = call(
      'Hi, I am returning your call about the refund you asked about.',
      'To release it you need to buy two Google Play gift cards and read me the numbers right away.',
    );
    expect(alerts(turns)).toBe(true);
  });

  it('a warning is not a request: "nobody will ever ask you to pay with gift cards or Bitcoin"', () => {
    const text = 'There is no warrant in your name, and nobody from the court or the police will ever call and ask you to pay with gift cards or Bitcoin.';
    expect(detectTactics(text).map((h) => h.evidence)).toEqual([]);
    expect(detectTactics('Did you end up buying any gift cards or sending any money?').filter((h) => h.tactic === 'payment')).toEqual([]);
  });

  it('a fraud desk asking about a gift card purchase, a payment made, a refund onto a card: no demand', () => {
    const ev = (t: string) => detectTactics(t).map((h) => h.evidence);
    expect(ev('The third is a gift card purchase at a grocery store for two hundred dollars, was that you?')).not.toContain('gift-cards');
    expect(ev('You paid with a gift card, so the refund can go onto a new gift card or store credit.')).not.toContain('gift-cards');
    expect(ev('You need to pay the fee with Target gift cards today.')).toContain('gift-cards');
  });

  it('"you filed a report" is contact the subscriber started', () => {
    expect(negativeEvidenceOf('this is sergeant cole from the transit police you filed a report on friday about your wallet').subscriberStarted).toBe(true);
  });

  it('a friend choosing a gift card asks the subscriber for nothing; an order to buy one does', () => {
    expect(detectTactics('Maybe a fifty dollar Sephora card and a smaller one for the coffee place.').map((h) => h.evidence)).not.toContain('gift-cards');
    expect(detectTactics('Go to the store and get a Sephora gift card for five hundred.').map((h) => h.evidence)).toContain('gift-cards');
  });

  it('a transaction the caller describes is not a demand; the same money asked of the subscriber is', () => {
    const ev = (t: string) => detectTactics(t).map((h) => h.evidence);
    expect(ev('A wire transfer of eighteen thousand dollars was requested from your account last night.')).not.toContain('wire');
    expect(ev('the first is five hundred dollars in gift cards at a grocery store this morning did you make those')).not.toContain('gift-cards');
    expect(ev('You need to wire transfer the money to our holding account today.')).toContain('wire');
    expect(ev('you need to get five hundred dollars in gift cards at the grocery store')).toContain('gift-cards');
  });

  it('a warning, a payment voucher, paying from your own bank account: none is a demand or a bank claim', () => {
    const ev = (t: string) => detectTactics(t).map((h) => h.evidence);
    expect(ev("If anyone ever calls asking you to pay them in gift cards, that's a scam.")).not.toContain('gift-cards');
    expect(ev('use the payment voucher in the letter or pay on the official website from your bank account')).toEqual([]);
    expect(ev('we issued a store credit for eighty nine dollars which is loaded on a gift card at the desk')).not.toContain('gift-cards');
  });

  it('advice about the subscriber\'s own password is not a request for it; asking for it is', () => {
    const ev = (t: string) => detectTactics(t).map((h) => h.evidence);
    expect(ev('go to network settings then change your wifi password to something new')).not.toContain('pin-password');
    expect(ev('reconnect your own devices with a new password')).not.toContain('pin-password');
    expect(ev('read me your online banking password so I can secure it')).toContain('pin-password');
    expect(ev('Read me the full numbers and expiration dates.')).toContain('card-number');
  });

  it('"you reported a call" and "following up on that report" are contact the subscriber started', () => {
    expect(negativeEvidenceOf('you reported a call last week from someone claiming to be a deputy i\'m following up on that report').subscriberStarted).toBe(true);
    expect(negativeEvidenceOf('i am following up on that report').subscriberStarted).toBe(true);
  });

  it('a first caller turn that only makes a claim does not alert; the same claim with a hook does', () => {
    const first = (text: string) => analyzer.analyzeSync({ window: [{ speaker: 'caller', text }] }).level;
    expect(first('hey mom it\'s me i\'m calling from the car on speaker did you get the gift cards for the twins birthday')).not.toBe('high');
    expect(first('Hi Grandma, it\'s me, I\'m in jail and need bail money, please buy gift cards and read me the numbers, don\'t tell Mom.')).toBe('high');
  });

  it('a one-time code read back to the caller alerts, whoever the caller says they are', () => {
    expect(
      alerts(call('Hi, this is Chris with the online security team. Someone tried to change the phone number on your account.', 'The system will text you a six digit code, when it comes through just read it to me and I will lock the account.')),
    ).toBe(true);
    expect(alerts(call('Hi, this is Chris from the online security team.', 'You will get a six digit code by text, enter it in the app yourself, never read it to anyone.'))).toBe(false);
  });

  it('a relative on a friend\'s phone asking for money sent on alerts; the same relative on their own phone chatting does not', () => {
    expect(alerts(call("Hi Mum, it's me, I'm calling from a friend's phone, mine fell in the sink.", 'My rent is due today, could you pay it straight to my landlord? I will text you his account details.'))).toBe(true);
    expect(alerts(call("Hi Mum, it's me, I'm on the train.", 'Just wanted to say I will be late for dinner on Sunday.'))).toBe(false);
  });

  it('a sweetheart far away asking for Bitcoin, and a courier\'s correction fee paid with card and PIN, are hooks', () => {
    expect(rulesAlert(call("Hey beautiful, it's me, I'm on the base satellite phone.", 'To get leave approved I have to pay for the flight myself. You can send it as Bitcoin at the machine in the gas station.'))).toBe(true);
    expect(alerts(call('Hello, this is the delivery support desk, we tried to deliver your parcel today.', "There's an address correction fee of three dollars. I'll need the card number, the expiration date and your PIN."))).toBe(true);
  });

  it("a seller's refund terms are no refund lure; a refund the caller says you are owed is", () => {
    const ev = (t: string) => detectTactics(t).map((h) => h.evidence);
    expect(ev("You can cancel your policy at any time. Give us a thirty-day notice, and we'll prorate your refund accordingly.")).not.toContain('refund');
    expect(ev('We have a money-back guarantee, a full refund if you are not satisfied.')).not.toContain('refund');
    expect(ev('You are owed a refund of three hundred ninety nine dollars for your computer protection plan.')).toContain('refund');
  });

  it.each([
    ['a landlord abroad who posts the keys', call("It's David, you messaged about the flat. I'm working abroad at the moment, so I can't do viewings in person.", "If you send the first month and the deposit, I'll post the keys by courier. If you transfer today it's yours.")],
    ['pay or be arrested', call('This is Investigator Dunn about a defaulted loan. There is a pending warrant for your arrest.', 'You can settle today for one thousand two hundred and I will close the file.')],
    ['crypto to the wallet the caller gives', call("Hi Sandra, it's Leo, your account manager. Your portfolio had a great week.", 'Send seven thousand in crypto to the deposit wallet today and I will waive the fee.')],
    ['a charity paid through a payment app', call('I am a volunteer with the Gulf Coast Family Relief Fund, the hurricane hit thousands.', 'The quickest way is to send it by payment app to our coordinator.')],
    ["a relative's lawyer wanting a transfer", call("My name is Howard Finch, I'm a solicitor representing your niece, she was in a collision abroad and the police hold her passport.", 'The settlement is four thousand euros, and it needs to go by international money transfer today.')],
  ])('%s alerts', (_name, turns) => {
    expect(alerts(turns)).toBe(true);
  });

  it('a texted code asked for is a hook', () => {
    expect(rulesAlert(call("It's Priya from Skylink Mobile, you're eligible for an early upgrade.", "You'll get a text from us in a second with a code, when it arrives just read it out to me."))).toBe(true);
  });

  it('goodwill vouchers, hedged refunds and store credit on a gift card are no hook', () => {
    const ev = (t: string) => detectTactics(t).map((h) => h.evidence);
    expect(ev("We've also added a twenty pound voucher to your customer account as a goodwill gesture.")).not.toContain('gift-cards');
    expect(ev('If we recover the costs from his insurer, your excess may be refunded.')).not.toContain('refund');
    expect(ev('We can put the full price, eighteen ninety nine, onto a store gift card for you.')).not.toContain('gift-cards');
  });
});

