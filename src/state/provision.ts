/**
 * What a subscriber is provisioned as: a key the SRC names them by (numbers.ts normaliseIdentity) and,
 * when that key is not a phone number, the E.164 number their SMS goes to. One place for the rules the
 * API, the CSV import, `CALLGUARD_SUBSCRIBERS` and start-up share, so they cannot drift apart.
 */
import { isE164, normaliseIdentity, normaliseNumber } from '../siprec/numbers.js';
import type { Subscriber, SubscriberStore } from './types.js';

export interface SubscriberInput {
  /** As given: a number, a SIP URI, an extension, user@host. */
  identity: string;
  locale?: string;
  /** As given; required when the identity has no E.164 number. */
  sms?: string;
}

export type ProvisionProblem = 'not-an-identity' | 'sms-not-a-number' | 'sms-required';

/** The messages say what is wrong, never the value: identities and numbers are personal data. */
export const PROVISION_PROBLEMS: Record<ProvisionProblem, string> = {
  'not-an-identity': 'not a phone number or SIP identity (an E.164 or national number, other digits such as an extension, or user@host)',
  'sms-not-a-number': 'sms is not a phone number (E.164 with its +, or national for the default country)',
  'sms-required': 'this identity is not a phone number: give the number its SMS goes to (sms)',
};

export interface NormalisedSubscriber {
  number: string;
  sms?: string;
  locale?: string;
}

/**
 * Normalises an input; `existingSms` is the stored record's, so re-provisioning an identity without
 * repeating its SMS number keeps it.
 */
export function normaliseSubscriber(
  input: SubscriberInput,
  defaultCountry: string,
  existingSms?: string,
): { ok: true; value: NormalisedSubscriber } | { ok: false; problem: ProvisionProblem } {
  const number = normaliseIdentity(input.identity, defaultCountry);
  if (number === undefined) return { ok: false, problem: 'not-an-identity' };
  let sms: string | undefined;
  if (input.sms !== undefined && input.sms.trim() !== '') {
    sms = normaliseNumber(input.sms, defaultCountry);
    if (sms === undefined) return { ok: false, problem: 'sms-not-a-number' };
  } else sms = existingSms;
  if (sms === number) sms = undefined; // the same number twice says nothing
  if (!isE164(number) && sms === undefined) return { ok: false, problem: 'sms-required' };
  return { ok: true, value: { number, ...(sms !== undefined ? { sms } : {}), ...(input.locale ? { locale: input.locale } : {}) } };
}

/** Creates or updates, keeping the existing locale, SMS number and provisioning time unless given. */
export async function provision(store: SubscriberStore, s: NormalisedSubscriber, existing: Subscriber | undefined, now: number): Promise<{ created: boolean; subscriber: Subscriber }> {
  const locale = s.locale ?? existing?.locale;
  const sms = s.sms ?? existing?.sms;
  const subscriber: Subscriber = {
    number: s.number,
    ...(locale !== undefined ? { locale } : {}),
    ...(sms !== undefined ? { sms } : {}),
    provisionedAt: existing?.provisionedAt ?? now,
  };
  return { created: await store.put(subscriber), subscriber };
}

/** Where a subscriber's SMS goes: their own number, or the one provisioned for an identity. */
export const smsNumberOf = (key: string, subscriber: Subscriber | undefined): string | undefined =>
  subscriber?.sms ?? (isE164(key) ? key : undefined);
