/** Alert settings: where SMS go, what they say and from whom, how often and how hard they are retried, and each provider's credentials. */
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { orEmpty, positiveInt, type Values } from './parse.js';
import type { Config, Settings } from './types.js';

export const ALERT_SETTINGS = {
  CALLGUARD_SMS: {
    default: 'file:./callguard-sms.jsonl',
    doc: 'Where alert SMS go: smpp (the operator\'s SMSC), acs (Azure Communication Services), http (a signed JSON webhook), file:PATH (one JSON line per SMS; the development default) or console.',
    parse: z.string().regex(/^(?:smpp|acs|http|console|file:.+)$/, 'must be smpp, acs, http, console or file:PATH'),
  },
  CALLGUARD_SMS_BRAND: { default: 'Callguard', doc: 'Operator brand named in the alert text.', parse: z.string().min(1).max(40) },
  CALLGUARD_SMS_SENDER: {
    default: 'Callguard',
    doc: 'Sender id of alert SMS: up to 11 letters/digits, or a number.',
    parse: z.string().regex(/^(?:[A-Za-z0-9 ]{1,11}|\+?\d{3,15})$/, 'must be up to 11 letters/digits or a number'),
  },
  CALLGUARD_SMS_LOCALE: {
    default: 'en',
    doc: 'Alert language when the subscriber has none provisioned (en, es, fr, de, it, pt).',
    parse: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 tag such as en or es-MX'),
  },
  CALLGUARD_SMS_REPLY_KEYWORD: {
    default: 'NOTSCAM',
    doc: 'The word a subscriber replies to say an alert was wrong.',
    parse: z.string().regex(/^[A-Za-z0-9]{2,20}$/, 'must be one word of letters/digits'),
  },
  CALLGUARD_SMS_HELP_NUMBER: {
    default: '',
    doc: 'Optional number the alert text tells subscribers to call for help.',
    parse: z.string().regex(/^(?:|\+?[\d ]{3,20})$/, 'must be a phone number'),
  },
  CALLGUARD_ALERT_MAX_PER_HOUR: {
    default: '5',
    doc: 'Alerts per subscriber per hour; beyond it an alert is recorded as dead (rate-limited) instead of sent.',
    parse: positiveInt,
  },
  CALLGUARD_ALERT_ATTEMPTS: {
    default: '8',
    doc: 'Send attempts per alert (exponential back-off) before it goes to the dead-letter list.',
    parse: positiveInt.max(100),
  },
  CALLGUARD_ALERT_BACKOFF_MS: { default: '2000', doc: 'First retry delay; doubles per attempt, capped at 60 s.', parse: positiveInt },
  CALLGUARD_ALERT_DEDUP_HOURS: {
    default: '24',
    doc: 'How long a (subscriber, recording group) key suppresses a second alert.',
    parse: z.coerce.number().min(1 / 60, 'must be at least one minute (1/60 h)').max(24 * 365),
  },
  CALLGUARD_NUMBER_HASH_SECRET: {
    default: '',
    doc: 'Key for the HMAC that names subscribers in Redis keys (rate limits, latest alert). Same on every node; without it a plain SHA-256 is used, which a numbering-plan sweep can reverse. Never logged.',
    parse: z.string(),
    secret: true,
  },
  CALLGUARD_SMPP_URL: {
    default: '',
    doc: 'smpp: the SMSC, smpp://host:port (ssmpp:// for TLS).',
    parse: orEmpty(z.string().regex(/^s?smpp:\/\/[^/]+$/, 'must be smpp://host:port or ssmpp://host:port')),
    // A URL may carry credentials or tokens.
    secret: true,
  },
  CALLGUARD_SMPP_SYSTEM_ID: { default: '', doc: 'smpp: bind system_id.', parse: z.string().max(15, 'must be at most 15 characters (SMPP system_id)') },
  CALLGUARD_SMPP_PASSWORD: {
    default: '',
    doc: 'smpp: bind password. Never logged.',
    parse: z.string().max(8, 'must be at most 8 characters (SMPP password)'),
    secret: true,
  },
  CALLGUARD_SMPP_SYSTEM_TYPE: { default: '', doc: 'smpp: bind system_type, when the SMSC wants one.', parse: z.string().max(12) },
  CALLGUARD_SMPP_ENQUIRE_LINK_MS: {
    default: '30000',
    doc: 'smpp: enquire_link interval.',
    parse: positiveInt.min(1000, 'must be at least 1000 ms (it is in milliseconds)').max(2_147_483_647),
  },
  CALLGUARD_ACS_CONNECTION_STRING: {
    default: '',
    doc: 'acs: the Communication Services connection string (endpoint=…;accesskey=…). Never logged.',
    parse: orEmpty(z.string().regex(/^endpoint=https?:\/\/[^;]+;accesskey=[^;]+;?$/i, 'must look like endpoint=https://….communication.azure.com/;accesskey=…')),
    secret: true,
  },
  CALLGUARD_SMS_HTTP_URL: {
    default: '',
    doc: 'http: webhook URL that receives {to, from, text, reference, callId} as JSON.',
    parse: orEmpty(
      z
        .string()
        .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
        .refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not carry credentials (user:password@); the request is signed with CALLGUARD_SMS_HTTP_SECRET'),
    ),
    // A URL may carry credentials or tokens.
    secret: true,
  },
  CALLGUARD_SMS_HTTP_SECRET: { default: '', doc: 'http: HMAC-SHA256 key for the X-Callguard-Signature header. Never logged.', parse: z.string(), secret: true },
} as const satisfies Settings;

export function alertsConfig(v: Values<typeof ALERT_SETTINGS>): Config['alerts'] {
  if (v.CALLGUARD_SMS === 'smpp' && !v.CALLGUARD_SMPP_URL) throw new ConfigError('CALLGUARD_SMPP_URL', 'is required when CALLGUARD_SMS=smpp');
  if (v.CALLGUARD_SMS === 'smpp' && !v.CALLGUARD_SMPP_SYSTEM_ID) throw new ConfigError('CALLGUARD_SMPP_SYSTEM_ID', 'is required when CALLGUARD_SMS=smpp');
  if (v.CALLGUARD_SMS === 'acs' && !v.CALLGUARD_ACS_CONNECTION_STRING) throw new ConfigError('CALLGUARD_ACS_CONNECTION_STRING', 'is required when CALLGUARD_SMS=acs');
  if (v.CALLGUARD_SMS === 'http' && !v.CALLGUARD_SMS_HTTP_URL) throw new ConfigError('CALLGUARD_SMS_HTTP_URL', 'is required when CALLGUARD_SMS=http');
  if (v.CALLGUARD_SMS === 'http' && !v.CALLGUARD_SMS_HTTP_SECRET) throw new ConfigError('CALLGUARD_SMS_HTTP_SECRET', 'is required when CALLGUARD_SMS=http (receivers must be able to verify the signature)');
  return {
    sms: v.CALLGUARD_SMS,
    brand: {
      name: v.CALLGUARD_SMS_BRAND,
      senderId: v.CALLGUARD_SMS_SENDER,
      replyKeyword: v.CALLGUARD_SMS_REPLY_KEYWORD.toUpperCase(),
      ...(v.CALLGUARD_SMS_HELP_NUMBER ? { helpNumber: v.CALLGUARD_SMS_HELP_NUMBER } : {}),
    },
    defaultLocale: v.CALLGUARD_SMS_LOCALE,
    maxPerHour: v.CALLGUARD_ALERT_MAX_PER_HOUR,
    attempts: v.CALLGUARD_ALERT_ATTEMPTS,
    backoffMs: v.CALLGUARD_ALERT_BACKOFF_MS,
    dedupTtlMs: Math.round(v.CALLGUARD_ALERT_DEDUP_HOURS * 3_600_000),
    numberHashSecret: v.CALLGUARD_NUMBER_HASH_SECRET,
    smpp: {
      url: v.CALLGUARD_SMPP_URL,
      systemId: v.CALLGUARD_SMPP_SYSTEM_ID,
      password: v.CALLGUARD_SMPP_PASSWORD,
      systemType: v.CALLGUARD_SMPP_SYSTEM_TYPE,
      enquireLinkMs: v.CALLGUARD_SMPP_ENQUIRE_LINK_MS,
    },
    acs: { connectionString: v.CALLGUARD_ACS_CONNECTION_STRING },
    http: { url: v.CALLGUARD_SMS_HTTP_URL, secret: v.CALLGUARD_SMS_HTTP_SECRET },
  };
}
