/** Who is protected: subscribers provisioned at start, the country their national numbers belong to, and the SRC's naming header. */
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { PROVISION_PROBLEMS, normaliseSubscriber } from '../state/provision.js';
import { ConfigError } from './errors.js';
import { list, type Values } from './parse.js';
import type { Config, Settings } from './types.js';

const country = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .refine((s) => isSupportedCountry(s), 'must be an ISO 3166-1 alpha-2 country code such as US, GB, FR');

export const SUBSCRIBER_SETTINGS = {
  CALLGUARD_SUBSCRIBERS: {
    default: '',
    doc: 'Comma-separated subscribers provisioned at start: a number (normalised to E.164), or an identity as the SRC names it (`86074075017412`, an extension, `user@host`) followed by `=` and the E.164 number its SMS goes to (`8101=+12125550123`). docs/sip.md "Subscriber identities".',
    parse: z.string().transform(list),
  },
  CALLGUARD_DEFAULT_COUNTRY: { default: 'US', doc: 'ISO country used to normalise national numbers (2125550123) to E.164.', parse: country },
  CALLGUARD_SUBSCRIBER_HEADER: {
    default: 'X-Callguard-Subscriber',
    doc: 'SIP header an SRC may use to name the protected subscriber when no participant number is provisioned.',
    parse: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a SIP header name'),
  },
} as const satisfies Settings;

export function subscriberConfig(v: Values<typeof SUBSCRIBER_SETTINGS>): Pick<Config, 'defaultCountry' | 'subscriberHeader' | 'subscribers'> {
  const subscribers: Config['subscribers'] = [];
  for (const entry of v.CALLGUARD_SUBSCRIBERS) {
    // `identity=sms`: `=` cannot occur in a number, and in a SIP URI only in parameters we drop.
    const eq = entry.lastIndexOf('=');
    const input = eq > 0 ? { identity: entry.slice(0, eq), sms: entry.slice(eq + 1) } : { identity: entry };
    const n = normaliseSubscriber(input, v.CALLGUARD_DEFAULT_COUNTRY);
    // The value itself is not echoed: numbers stay out of logs and error output.
    if (!n.ok) throw new ConfigError('CALLGUARD_SUBSCRIBERS', `entry ${subscribers.length + 1}: ${PROVISION_PROBLEMS[n.problem]}`);
    subscribers.push(n.value.sms !== undefined ? { number: n.value.number, sms: n.value.sms } : { number: n.value.number });
  }
  return { defaultCountry: v.CALLGUARD_DEFAULT_COUNTRY, subscriberHeader: v.CALLGUARD_SUBSCRIBER_HEADER, subscribers };
}
