import { describe, expect, it } from 'vitest';
import { detectCallerTactics, detectTactics, tacticsOf } from '../../../../src/analysis/local/tactics.js';

const ev = (text: string): string[] => [...new Set(detectTactics(text).map((h) => h.evidence))];

describe('tactic detectors', () => {
  it.each([
    ['This is the Internal Revenue Service calling about your back taxes.', 'government'],
    ['I am calling from the Social Security Administration.', 'government'],
    ['Officer Brooks from the police department here.', 'government'],
    ["I'm calling from the fraud department of your bank.", 'bank'],
    ['This is Microsoft technical support, your computer has been infected.', 'tech-support'],
    ["Grandma, it's me, I'm in jail and need money for bail.", 'family'],
  ])('impersonation: %s', (line, evidence) => {
    expect(ev(line)).toContain(evidence);
    expect(tacticsOf(detectTactics(line))).toContain('impersonation');
  });

  it.each([
    ['There is a warrant for your arrest.', 'threat'],
    ['We will file a lawsuit against you.', 'threat'],
    ['Your account will be suspended.', 'threat'],
    ['You must pay immediately.', 'time-pressure'],
    ["Don't tell anyone about this call.", 'secrecy'],
    ['Keep this between us.', 'secrecy'],
    ['Buy Google Play gift cards and read me the numbers.', 'gift-cards'],
    ['Pay with iTunes cards.', 'gift-cards'],
    ['Deposit the cash into a bitcoin machine.', 'crypto'],
    ['Send it by Western Union.', 'wire'],
    ['We will move your money to a safe account.', 'safe-account'],
    ['A courier will collect the cash from your house.', 'cash'],
    ['Please confirm your social security number.', 'ssn'],
    ['What is your PIN?', 'pin-password'],
    ['Read me the verification code we sent.', 'one-time-code'],
    ['Give me your card number and the CVV.', 'card-number'],
    ['What is your bank account number?', 'account-number'],
    ['Download AnyDesk please.', 'remote-access'],
    ['Open TeamViewer so I can help.', 'remote-access'],
    ['You need to install this app on your phone.', 'install-app'],
    // Payment channels and identity numbers of the countries our subscribers live in (docs/scam-families.md).
    ['I can take an Interac e-Transfer right now.', 'wire'],
    ['Can you PayNow first? Tomorrow I return you.', 'wire'],
    ['Just send it to my UPI ID.', 'wire'],
    ['Pay it through PayID to the number I give you.', 'wire'],
    ['BSB zero six three one five four.', 'account-number'],
    ['Read me your tax file number.', 'id-number'],
    ['Tell me your Aadhaar number for verification.', 'id-number'],
    ['I need your myGov login so I can link the funds.', 'id-number'],
    // Threats and automated notices in other words.
    ['Your mobile number will be disconnected within two hours.', 'threat'],
    ['A technician has been dispatched to pull your meter.', 'threat'],
    ['This is the disconnections department.', 'threat'],
    ['Your electricity connection will be disconnected tonight.', 'threat'],
    ['There is a disconnection scheduled for this afternoon.', 'threat'],
    ['Send it on PayPal friends and family so there are no fees.', 'wire'],
    ['Give me the long number on your card.', 'card-number'],
    ['Due to illegal activity on your number, for more information press nine.', 'robocall'],
    ['If you did not authorize this purchase. Press one. To speak with a representative.', 'robocall'],
    ['To avoid the disconnection, call us back immediately at eight eight eight, two one four.', 'robocall'],
    // The ask in a trade's, landlord's or supplier's words.
    ["I'd need a deposit of five hundred today to order the tiles.", 'money-request'],
    ["If you've a pen I'll give you the account details.", 'money-request'],
    ['Can you pay it today into the new account?', 'money-request'],
    ['We have just moved banks after our audit.', 'new-bank-details'],
  ])('%s → %s', (line, evidence) => {
    expect(ev(line)).toContain(evidence);
  });

  it('drops negated demands (a real fraud desk warning)', () => {
    expect(ev('We will never ask you for your PIN or password.')).not.toContain('pin-password');
    expect(ev('Do not give anyone the verification code.')).not.toContain('one-time-code');
  });

  it('keeps conditional threats', () => {
    expect(ev("If you don't pay today you will be arrested.")).toContain('threat');
  });

  it('a gift card offered as a reward is not a payment demand', () => {
    expect(ev("We're offering a $100 gift card to new customers.")).not.toContain('gift-cards');
  });

  it('asking whether you reached an organisation is not a claim to be it', () => {
    expect(ev('Hi, is this the IRS?')).not.toContain('government');
  });

  it('a caller reporting what a scammer said is not the scammer', () => {
    expect(detectCallerTactics(['I got a call from someone claiming to be from the IRS asking for gift cards.'])).toEqual([]);
  });
});
