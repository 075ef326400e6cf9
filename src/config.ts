/**
 * One typed, validated configuration. Sources, later wins: built-in defaults (a working single node
 * on loopback), an optional JSON file (CALLGUARD_CONFIG_FILE or `--config`, keyed by the same
 * variable names), then the environment. An invalid value stops start-up with a message naming the key.
 * docs/configuration.md is the reference; a test keeps it in step with SETTINGS below.
 */
import { readFileSync } from 'node:fs';
import { hostname, networkInterfaces } from 'node:os';
import { isIP } from 'node:net';
import { isSupportedCountry } from 'libphonenumber-js';
import { z } from 'zod';
import { PROVISION_PROBLEMS, normaliseSubscriber } from './state/provision.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`invalid configuration: ${key}: ${message}`);
  }
}

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const list = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export interface Cidr {
  family: 4 | 6;
  /** Network address as a bigint, masked. */
  network: bigint;
  bits: number;
  text: string;
}

function ipToBigInt(ip: string): { family: 4 | 6; value: bigint } | undefined {
  const v = isIP(ip);
  if (v === 4) {
    const parts = ip.split('.').map(Number);
    return { family: 4, value: parts.reduce((acc, p) => (acc << 8n) | BigInt(p), 0n) };
  }
  if (v === 6) {
    // IPv4-mapped IPv6 (::ffff:1.2.3.4) compares as IPv4: that is how dual-stack sockets report it.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
    if (mapped?.[1]) return ipToBigInt(mapped[1]);
    const [head = '', tail = ''] = ip.split('::');
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    const groups = ip.includes('::') ? [...h, ...Array(8 - h.length - t.length).fill('0'), ...t] : h;
    return { family: 6, value: groups.reduce((acc: bigint, g: string) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n) };
  }
  return undefined;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr = '', bitsText] = text.split('/');
  const ip = ipToBigInt(addr);
  if (!ip) return undefined;
  const max = ip.family === 4 ? 32 : 128;
  const bits = bitsText === undefined ? max : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > max) return undefined;
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(max - bits);
  return { family: ip.family, network: ip.value & mask, bits, text };
}

/** A predicate over source addresses; compiled once, called per out-of-dialog SIP request. */
export function cidrMatcher(cidrs: Cidr[]): (address: string) => boolean {
  const cache = new Map<string, boolean>();
  return (address) => {
    const hit = cache.get(address);
    if (hit !== undefined) return hit;
    const ip = ipToBigInt(address);
    let ok = false;
    if (ip) {
      const max = ip.family === 4 ? 32 : 128;
      ok = cidrs.some((c) => {
        if (c.family !== ip.family) return false;
        const mask = c.bits === 0 ? 0n : ((1n << BigInt(c.bits)) - 1n) << BigInt(max - c.bits);
        return (ip.value & mask) === c.network;
      });
    }
    if (cache.size > 10_000) cache.clear();
    cache.set(address, ok);
    return ok;
  };
}

const country = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .refine((s) => isSupportedCountry(s), 'must be an ISO 3166-1 alpha-2 country code such as US, GB, FR');

const rtpRange = z.string().transform((s, ctx) => {
  const m = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(s);
  const lo = Number(m?.[1]);
  const hi = Number(m?.[2]);
  if (!m || lo < 1024 || hi > 65534 || lo > hi || hi - lo < 1) {
    ctx.addIssue({ code: 'custom', message: 'must be a range LOW-HIGH within 1024-65534, e.g. 20000-29999' });
    return z.NEVER;
  }
  return { min: lo, max: hi };
});

const host = z.string().refine((s) => isIP(s) !== 0 || s === 'localhost' || /^[a-z0-9.-]+$/i.test(s), 'must be an IP address or host name');

/** CALLGUARD_ANALYZER's values (and `callguard eval --analyzer`'s). */
export const ANALYZER_NAMES = ['local', 'azure-openai', 'openai', 'chain'] as const;

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

interface Setting {
  default: string;
  doc: string;
}

/** Every setting, its default (as the environment would spell it) and what it does. */
export const SETTINGS = {
  CALLGUARD_SIP_HOST: { default: '127.0.0.1', doc: 'Address the SIP stack listens on (UDP and TCP).' },
  CALLGUARD_SIP_PORT: { default: '5060', doc: 'SIP port, UDP and TCP both. 0 picks a free port (tests).' },
  CALLGUARD_SIP_TRANSPORTS: { default: 'udp,tcp', doc: 'Comma-separated SIP transports: udp, tcp.' },
  CALLGUARD_SIP_MIN_SE: { default: '90', doc: 'RFC 4028 Min-SE in seconds: a smaller Session-Expires gets 422.' },
  CALLGUARD_SIP_SESSION_EXPIRES: { default: '1800', doc: 'Session interval proposed when the SRC supports timers but asks for none.' },
  CALLGUARD_SIP_T1: { default: '500', doc: 'RFC 3261 T1 in ms (retransmission base).' },
  CALLGUARD_MAX_CALLS: { default: '5000', doc: 'Live recordings this node accepts; beyond it INVITEs get 503 with Retry-After.' },
  CALLGUARD_MAX_PENDING_OFFERS: { default: '1000', doc: 'INVITEs being answered at once; beyond it 503 with Retry-After.' },
  CALLGUARD_HTTP_HOST: { default: '127.0.0.1', doc: 'Address of the ops HTTP API.' },
  CALLGUARD_HTTP_PORT: { default: '8080', doc: 'Port of the ops HTTP API. 0 picks a free port.' },
  CALLGUARD_RTP_HOST: { default: '', doc: 'Address RTP sockets bind to. Empty: CALLGUARD_SIP_HOST.' },
  CALLGUARD_MEDIA_ADDRESS: { default: '', doc: 'Address written in SDP answers (behind NAT: the public one). Empty: the RTP host, or when that is a wildcard (0.0.0.0, ::) the first non-loopback IPv4 address of this machine.' },
  CALLGUARD_SIP_ADVERTISED_HOST: { default: '', doc: 'Host written in our Via and Contact (behind NAT or a container bridge: the address the SBC reaches). Empty: the listening address, or the interface address when listening on a wildcard.' },
  CALLGUARD_RTP_PORTS: { default: '20000-29999', doc: 'RTP port range LOW-HIGH; even ports carry RTP, odd ones RTCP.' },
  CALLGUARD_MEDIA_TIMEOUT: { default: '60', doc: 'Seconds without RTP on every stream (not counting hold) after which a call is ended with BYE. 0 disables.' },
  CALLGUARD_MEDIA_LATCH: { default: 'auto', doc: 'auto: accept RTP only from the offered address, but latch to the first source when the offer says 0.0.0.0 or its address is not the SIP source (NAT); always; never.' },
  CALLGUARD_SPEECH: { default: 'offline', doc: 'Speech recognizer: offline (pocketsphinx, when installed; otherwise none, said once at start), azure, or none.' },
  CALLGUARD_SPEECH_MAX: { default: '100', doc: 'Concurrent recognizers on this node (one per party); beyond it calls are recorded but not transcribed.' },
  CALLGUARD_SPEECH_LANGUAGE: { default: 'en-US', doc: "Recognition language when the subscriber's locale does not say (BCP 47)." },
  CALLGUARD_TRANSCRIPT_SECONDS: { default: '120', doc: 'The transcript window keeps utterances from the last this-many seconds…' },
  CALLGUARD_TRANSCRIPT_UTTERANCES: { default: '50', doc: '…and at most this many. Memory only: never persisted or logged.' },
  CALLGUARD_AZURE_SPEECH_KEY: { default: '', doc: 'Azure Speech resource key (CALLGUARD_SPEECH=azure). Never logged.' },
  CALLGUARD_AZURE_SPEECH_TOKEN_FILE: { default: '', doc: 'Entra ID instead of a key: a file holding a current access token (kept fresh by a sidecar or workload identity), read before every connection.' },
  CALLGUARD_AZURE_SPEECH_REGION: { default: '', doc: 'Azure Speech region, e.g. westeurope (or give an endpoint).' },
  CALLGUARD_AZURE_SPEECH_ENDPOINT: { default: '', doc: 'Azure Speech websocket endpoint with its path (private endpoints, tests).' },
  CALLGUARD_SPEECH_MIN_CONFIDENCE: {
    default: '0.6',
    doc: "Local analyzer: the mean posterior (0–1) an offline recognizer's words must have for a tactic heard in them to count on its own; below it the tactic is a hint that needs another caller turn (docs/analysis.md). For a voice the decoder is less sure of, the bar follows the caller's median posterior down (0.7 × median, not below 0.4). Higher: fewer false alarms, later or fewer alerts.",
  },
  CALLGUARD_ANALYZER: { default: 'local', doc: 'Scam analyzer: local (no network), azure-openai, openai (any OpenAI-compatible chat-completions server: vLLM, Ollama, llama.cpp, LM Studio), or chain (local on every utterance, the LLM of CALLGUARD_CHAIN_LLM from medium risk, and before an alert).' },
  CALLGUARD_AZURE_OPENAI_ENDPOINT: { default: '', doc: 'Azure OpenAI resource endpoint, e.g. https://my-resource.openai.azure.com/.' },
  CALLGUARD_AZURE_OPENAI_DEPLOYMENT: { default: '', doc: 'Chat-completions model deployment name.' },
  CALLGUARD_AZURE_OPENAI_API_VERSION: { default: '2024-10-21', doc: 'Azure OpenAI API version (json_schema needs 2024-08-01-preview or later).' },
  CALLGUARD_AZURE_OPENAI_KEY: { default: '', doc: 'Azure OpenAI key. Never logged.' },
  CALLGUARD_AZURE_OPENAI_TOKEN_FILE: { default: '', doc: 'Entra ID instead of a key: a file holding a current access token, read per request.' },
  CALLGUARD_AZURE_OPENAI_TIMEOUT_MS: { default: '3000', doc: 'Per-request timeout; on timeout the local result stands.' },
  CALLGUARD_AZURE_OPENAI_TOKENS_PER_CALL: { default: '20000', doc: 'Token budget per call; beyond it the LLM is not asked again for that call.' },
  CALLGUARD_OPENAI_BASE_URL: { default: '', doc: 'openai: the server\'s API base, up to its version path, e.g. http://127.0.0.1:11434/v1 (Ollama) or http://127.0.0.1:8000/v1 (vLLM).' },
  CALLGUARD_OPENAI_MODEL: { default: '', doc: 'openai: the model name the server knows, e.g. llama3.1:8b.' },
  CALLGUARD_OPENAI_API_KEY: { default: '', doc: 'openai: sent as a bearer token; empty sends none (most local servers want none). Never logged.' },
  CALLGUARD_OPENAI_TIMEOUT_MS: { default: '5000', doc: 'openai: deadline per analysis (a JSON-mode retry included); on timeout the local result stands.' },
  CALLGUARD_OPENAI_TOKENS_PER_CALL: { default: '20000', doc: 'openai: token budget per call; beyond it the LLM is not asked again for that call.' },
  CALLGUARD_CHAIN_LLM: { default: 'azure-openai', doc: 'chain: which LLM judges the uncertain middle, azure-openai or openai.' },
  CALLGUARD_CHAIN_MIN_INTERVAL: { default: '10', doc: 'chain: seconds between LLM asks for one call; a local rise to high inside it asks once more before the alert, waiting at most the LLM timeout.' },
  CALLGUARD_SMS: { default: 'file:./callguard-sms.jsonl', doc: 'Where alert SMS go: smpp (the operator\'s SMSC), acs (Azure Communication Services), http (a signed JSON webhook), file:PATH (one JSON line per SMS; the development default) or console.' },
  CALLGUARD_SMS_BRAND: { default: 'Callguard', doc: 'Operator brand named in the alert text.' },
  CALLGUARD_SMS_SENDER: { default: 'Callguard', doc: 'Sender id of alert SMS: up to 11 letters/digits, or a number.' },
  CALLGUARD_SMS_LOCALE: { default: 'en', doc: 'Alert language when the subscriber has none provisioned (en, es, fr, de, it, pt).' },
  CALLGUARD_SMS_REPLY_KEYWORD: { default: 'NOTSCAM', doc: 'The word a subscriber replies to say an alert was wrong.' },
  CALLGUARD_SMS_HELP_NUMBER: { default: '', doc: 'Optional number the alert text tells subscribers to call for help.' },
  CALLGUARD_ALERT_MAX_PER_HOUR: { default: '5', doc: 'Alerts per subscriber per hour; beyond it an alert is recorded as dead (rate-limited) instead of sent.' },
  CALLGUARD_ALERT_ATTEMPTS: { default: '8', doc: 'Send attempts per alert (exponential back-off) before it goes to the dead-letter list.' },
  CALLGUARD_ALERT_BACKOFF_MS: { default: '2000', doc: 'First retry delay; doubles per attempt, capped at 60 s.' },
  CALLGUARD_ALERT_DEDUP_HOURS: { default: '24', doc: 'How long a (subscriber, recording group) key suppresses a second alert.' },
  CALLGUARD_NUMBER_HASH_SECRET: { default: '', doc: 'Key for the HMAC that names subscribers in Redis keys (rate limits, latest alert). Same on every node; without it a plain SHA-256 is used, which a numbering-plan sweep can reverse. Never logged.' },
  REDIS_URL: { default: '', doc: 'redis://[:password@]host:port[/db]. Set: alerts go through BullMQ in Redis (shared by all nodes). Empty: an in-process queue (single node). Never logged.' },
  CALLGUARD_SMPP_URL: { default: '', doc: 'smpp: the SMSC, smpp://host:port (ssmpp:// for TLS).' },
  CALLGUARD_SMPP_SYSTEM_ID: { default: '', doc: 'smpp: bind system_id.' },
  CALLGUARD_SMPP_PASSWORD: { default: '', doc: 'smpp: bind password. Never logged.' },
  CALLGUARD_SMPP_SYSTEM_TYPE: { default: '', doc: 'smpp: bind system_type, when the SMSC wants one.' },
  CALLGUARD_SMPP_ENQUIRE_LINK_MS: { default: '30000', doc: 'smpp: enquire_link interval.' },
  CALLGUARD_ACS_CONNECTION_STRING: { default: '', doc: 'acs: the Communication Services connection string (endpoint=…;accesskey=…). Never logged.' },
  CALLGUARD_SMS_HTTP_URL: { default: '', doc: 'http: webhook URL that receives {to, from, text, reference, callId} as JSON.' },
  CALLGUARD_SMS_HTTP_SECRET: { default: '', doc: 'http: HMAC-SHA256 key for the X-Callguard-Signature header. Never logged.' },
  CALLGUARD_AUTH: { default: 'on', doc: 'on: the ops API wants a bearer token (CALLGUARD_API_TOKENS) everywhere but /healthz, /readyz and the dashboard page itself (no data); off: no auth, for loopback-only development (said at start).' },
  CALLGUARD_API_TOKENS: { default: '', doc: 'Comma-separated role:token pairs, role reader (calls, alerts, events, metrics, dashboard) or admin (also subscribers, retries, config). Empty with auth on: an admin token is generated for this run and printed once on stderr. Never logged.' },
  CALLGUARD_CALL_TTL: { default: '30', doc: 'Seconds a live call stays in the shared registry without a refresh (a node refreshes its calls every third of this); a dead node\'s calls vanish after it.' },
  CALLGUARD_RECORDING_TTL: { default: '14400', doc: 'Seconds a recording\'s risk state is kept after its last change, for an SRC that fails over to another node.' },
  CALLGUARD_SIP_STACK: { default: 'native', doc: 'native: callguard\'s own SIP stack (UDP/TCP/TLS); drachtio: a drachtio-srf application behind drachtio-server (CALLGUARD_DRACHTIO_*).' },
  CALLGUARD_DRACHTIO_HOST: { default: '127.0.0.1', doc: 'drachtio: drachtio-server\'s admin address (inbound connection from callguard; reconnects with back-off).' },
  CALLGUARD_DRACHTIO_PORT: { default: '9022', doc: 'drachtio: drachtio-server\'s admin port.' },
  CALLGUARD_DRACHTIO_SECRET: { default: '', doc: 'drachtio: the shared secret drachtio-server expects. Never logged.' },
  CALLGUARD_SIP_TLS_PORT: { default: '0', doc: 'Port for SIP over TLS (RFC 3261 sips/TLS); 0 disables TLS.' },
  CALLGUARD_SIP_TLS_CERT: { default: '', doc: 'PEM certificate (chain) file for SIP over TLS.' },
  CALLGUARD_SIP_TLS_KEY: { default: '', doc: 'PEM private key file for SIP over TLS.' },
  CALLGUARD_SIP_MAX_MESSAGE_BYTES: { default: '65535', doc: 'Largest SIP message accepted; larger gets 513.' },
  CALLGUARD_SIP_MAX_HEADERS: { default: '100', doc: 'Most header fields in one SIP message; more gets 400 (or is dropped when unanswerable).' },
  CALLGUARD_SIP_MAX_BODY_BYTES: { default: '32768', doc: 'Largest SIP body (SDP + metadata); larger gets 413.' },
  CALLGUARD_SIP_IDLE_TIMEOUT_MS: { default: '60000', doc: 'A TCP/TLS connection that carries no live recording and sends no complete message for this long is closed.' },
  CALLGUARD_SIP_MESSAGE_TIMEOUT_MS: { default: '10000', doc: 'A SIP message started on TCP/TLS must arrive whole within this; otherwise it is dropped with its connection.' },
  CALLGUARD_MAX_CALLS_PER_SOURCE: { default: '2000', doc: 'Live recordings one SRC address may hold; beyond it 486 Busy Here.' },
  CALLGUARD_SUBSCRIBERS: {
    default: '',
    doc: 'Comma-separated subscribers provisioned at start: a number (normalised to E.164), or an identity as the SRC names it (`86074075017412`, an extension, `user@host`) followed by `=` and the E.164 number its SMS goes to (`8101=+12125550123`). docs/sip.md "Subscriber identities".',
  },
  CALLGUARD_SRC_ALLOW: { default: '127.0.0.0/8,::1/128', doc: 'Comma-separated CIDRs allowed to send SIP requests (every request, in dialog or not); others get 403 (ACKs are dropped) and are counted.' },
  CALLGUARD_DEFAULT_COUNTRY: { default: 'US', doc: 'ISO country used to normalise national numbers (2125550123) to E.164.' },
  CALLGUARD_SUBSCRIBER_HEADER: { default: 'X-Callguard-Subscriber', doc: 'SIP header an SRC may use to name the protected subscriber when no participant number is provisioned.' },
  CALLGUARD_NODE_ID: { default: '', doc: 'This node\'s name in the ops API and logs. Empty: the host name.' },
  CALLGUARD_LOG_LEVEL: { default: 'info', doc: 'fatal, error, warn, info, debug, trace or silent.' },
  CALLGUARD_SHUTDOWN_GRACE_MS: { default: '5000', doc: 'On SIGTERM, how long to wait for BYEs to be answered before exiting.' },
} as const satisfies Record<string, Setting>;

export type SettingName = keyof typeof SETTINGS;

const SECRETS = new Set<string>([
  'CALLGUARD_AZURE_SPEECH_KEY',
  'CALLGUARD_AZURE_OPENAI_KEY',
  'CALLGUARD_OPENAI_API_KEY',
  'CALLGUARD_SMPP_PASSWORD',
  'CALLGUARD_ACS_CONNECTION_STRING',
  'CALLGUARD_SMS_HTTP_SECRET',
  'REDIS_URL',
  'CALLGUARD_NUMBER_HASH_SECRET',
  'CALLGUARD_API_TOKENS',
  'CALLGUARD_DRACHTIO_SECRET',
  // URLs that may carry credentials or tokens.
  'CALLGUARD_SMS_HTTP_URL',
  'CALLGUARD_SMPP_URL',
  'CALLGUARD_AZURE_SPEECH_ENDPOINT',
  'CALLGUARD_AZURE_OPENAI_ENDPOINT',
  'CALLGUARD_OPENAI_BASE_URL',
]);

const schema = z.object({
  CALLGUARD_SIP_HOST: host,
  CALLGUARD_SIP_PORT: port,
  CALLGUARD_SIP_TRANSPORTS: z
    .string()
    .transform(list)
    .pipe(z.array(z.enum(['udp', 'tcp'])).min(1, 'must name at least one of udp, tcp')),
  CALLGUARD_SIP_MIN_SE: positiveInt,
  CALLGUARD_SIP_SESSION_EXPIRES: positiveInt,
  CALLGUARD_SIP_T1: positiveInt.max(10_000),
  CALLGUARD_MAX_CALLS: positiveInt,
  CALLGUARD_MAX_PENDING_OFFERS: positiveInt,
  CALLGUARD_HTTP_HOST: host,
  CALLGUARD_HTTP_PORT: port,
  CALLGUARD_RTP_HOST: z.union([z.literal(''), host]),
  CALLGUARD_MEDIA_ADDRESS: z.union([z.literal(''), host]),
  CALLGUARD_SIP_ADVERTISED_HOST: z.union([z.literal(''), host]),
  CALLGUARD_RTP_PORTS: rtpRange,
  CALLGUARD_MEDIA_TIMEOUT: z.coerce.number().min(0).max(86_400),
  CALLGUARD_MEDIA_LATCH: z.enum(['auto', 'always', 'never']),
  CALLGUARD_SPEECH: z.enum(['offline', 'azure', 'none']),
  CALLGUARD_SPEECH_MAX: z.coerce.number().int().min(0),
  CALLGUARD_SPEECH_LANGUAGE: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 tag such as en-US'),
  CALLGUARD_TRANSCRIPT_SECONDS: positiveInt,
  CALLGUARD_TRANSCRIPT_UTTERANCES: positiveInt,
  CALLGUARD_AZURE_SPEECH_KEY: z.string(),
  CALLGUARD_AZURE_SPEECH_TOKEN_FILE: z.string(),
  CALLGUARD_AZURE_SPEECH_REGION: z.string().regex(/^[a-z0-9]*$/, 'must be an Azure region name such as westeurope'),
  CALLGUARD_AZURE_SPEECH_ENDPOINT: z.union([
    z.literal(''),
    z.string().regex(/^wss?:\/\/[^/]+\/.+/, 'must be a ws:// or wss:// URL with a path'),
  ]),
  CALLGUARD_SPEECH_MIN_CONFIDENCE: z.coerce.number().min(0).max(1),
  CALLGUARD_ANALYZER: z.enum(ANALYZER_NAMES),
  CALLGUARD_AZURE_OPENAI_ENDPOINT: z.union([z.literal(''), z.string().regex(/^https?:\/\//, 'must be an http(s) URL')]),
  CALLGUARD_AZURE_OPENAI_DEPLOYMENT: z.string(),
  CALLGUARD_AZURE_OPENAI_API_VERSION: z.string().regex(/^\d{4}-\d{2}-\d{2}(-preview)?$/, 'must look like 2024-10-21'),
  CALLGUARD_AZURE_OPENAI_KEY: z.string(),
  CALLGUARD_AZURE_OPENAI_TOKEN_FILE: z.string(),
  CALLGUARD_AZURE_OPENAI_TIMEOUT_MS: positiveInt,
  CALLGUARD_AZURE_OPENAI_TOKENS_PER_CALL: positiveInt,
  CALLGUARD_OPENAI_BASE_URL: z.union([z.literal(''), z.string().regex(/^https?:\/\/[^/\s]+(\/\S*)?$/, 'must be an http(s) URL such as http://127.0.0.1:11434/v1')]),
  CALLGUARD_OPENAI_MODEL: z.string(),
  CALLGUARD_OPENAI_API_KEY: z.string(),
  CALLGUARD_OPENAI_TIMEOUT_MS: positiveInt,
  CALLGUARD_OPENAI_TOKENS_PER_CALL: positiveInt,
  CALLGUARD_CHAIN_LLM: z.enum(['azure-openai', 'openai']),
  CALLGUARD_CHAIN_MIN_INTERVAL: z.coerce.number().min(0),
  CALLGUARD_SMS: z.string().regex(/^(?:smpp|acs|http|console|file:.+)$/, 'must be smpp, acs, http, console or file:PATH'),
  CALLGUARD_SMS_BRAND: z.string().min(1).max(40),
  CALLGUARD_SMS_SENDER: z.string().regex(/^(?:[A-Za-z0-9 ]{1,11}|\+?\d{3,15})$/, 'must be up to 11 letters/digits or a number'),
  CALLGUARD_SMS_LOCALE: z.string().regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 tag such as en or es-MX'),
  CALLGUARD_SMS_REPLY_KEYWORD: z.string().regex(/^[A-Za-z0-9]{2,20}$/, 'must be one word of letters/digits'),
  CALLGUARD_SMS_HELP_NUMBER: z.string().regex(/^(?:|\+?[\d ]{3,20})$/, 'must be a phone number'),
  CALLGUARD_ALERT_MAX_PER_HOUR: positiveInt,
  CALLGUARD_ALERT_ATTEMPTS: positiveInt.max(100),
  CALLGUARD_ALERT_BACKOFF_MS: positiveInt,
  CALLGUARD_ALERT_DEDUP_HOURS: z.coerce.number().min(1 / 60, 'must be at least one minute (1/60 h)').max(24 * 365),
  CALLGUARD_NUMBER_HASH_SECRET: z.string(),
  REDIS_URL: z.union([z.literal(''), z.string().regex(/^rediss?:\/\/\S+$/, 'must be a redis:// or rediss:// URL')]),
  CALLGUARD_SMPP_URL: z.union([z.literal(''), z.string().regex(/^s?smpp:\/\/[^/]+$/, 'must be smpp://host:port or ssmpp://host:port')]),
  CALLGUARD_SMPP_SYSTEM_ID: z.string().max(15, 'must be at most 15 characters (SMPP system_id)'),
  CALLGUARD_SMPP_PASSWORD: z.string().max(8, 'must be at most 8 characters (SMPP password)'),
  CALLGUARD_SMPP_SYSTEM_TYPE: z.string().max(12),
  CALLGUARD_SMPP_ENQUIRE_LINK_MS: positiveInt.min(1000, 'must be at least 1000 ms (it is in milliseconds)').max(2_147_483_647),
  CALLGUARD_ACS_CONNECTION_STRING: z.union([z.literal(''), z.string().regex(/^endpoint=https?:\/\/[^;]+;accesskey=[^;]+;?$/i, 'must look like endpoint=https://….communication.azure.com/;accesskey=…')]),
  CALLGUARD_SMS_HTTP_URL: z.union([
    z.literal(''),
    z
      .string()
      .regex(/^https?:\/\/\S+$/, 'must be an http(s) URL')
      .refine((u) => !/^https?:\/\/[^/]*@/.test(u), 'must not carry credentials (user:password@); the request is signed with CALLGUARD_SMS_HTTP_SECRET'),
  ]),
  CALLGUARD_SMS_HTTP_SECRET: z.string(),
  CALLGUARD_AUTH: z.enum(['on', 'off']),
  CALLGUARD_API_TOKENS: z.string().transform((s, ctx) => {
    const out: Array<{ role: 'reader' | 'admin'; token: string }> = [];
    for (const [i, item] of list(s).entries()) {
      const m = /^(reader|admin):(\S{16,})$/.exec(item);
      // The entry is not echoed: it holds a secret.
      if (!m) {
        ctx.addIssue({ code: 'custom', message: `entry ${i + 1} must be reader:TOKEN or admin:TOKEN with a token of at least 16 characters` });
        return z.NEVER;
      }
      out.push({ role: m[1] as 'reader' | 'admin', token: m[2]! });
    }
    return out;
  }),
  CALLGUARD_CALL_TTL: positiveInt.min(3),
  CALLGUARD_RECORDING_TTL: positiveInt,
  CALLGUARD_SIP_STACK: z.enum(['native', 'drachtio']),
  CALLGUARD_DRACHTIO_HOST: host,
  CALLGUARD_DRACHTIO_PORT: port,
  CALLGUARD_DRACHTIO_SECRET: z.string(),
  CALLGUARD_SIP_TLS_PORT: z.coerce.number().int().min(0).max(65535),
  CALLGUARD_SIP_TLS_CERT: z.string(),
  CALLGUARD_SIP_TLS_KEY: z.string(),
  CALLGUARD_SIP_MAX_MESSAGE_BYTES: positiveInt.min(1024).max(1_000_000),
  CALLGUARD_SIP_MAX_HEADERS: positiveInt.min(10),
  CALLGUARD_SIP_MAX_BODY_BYTES: positiveInt.min(512),
  CALLGUARD_SIP_IDLE_TIMEOUT_MS: positiveInt.min(1000).max(2_147_483_647),
  CALLGUARD_SIP_MESSAGE_TIMEOUT_MS: positiveInt.min(100).max(2_147_483_647),
  CALLGUARD_MAX_CALLS_PER_SOURCE: positiveInt,
  CALLGUARD_SUBSCRIBERS: z.string().transform(list),
  CALLGUARD_SRC_ALLOW: z.string().transform((s, ctx) => {
    const out: Cidr[] = [];
    for (const item of list(s)) {
      const c = parseCidr(item);
      if (!c) {
        ctx.addIssue({ code: 'custom', message: `"${item}" is not a CIDR such as 10.0.0.0/8 or ::1/128` });
        return z.NEVER;
      }
      out.push(c);
    }
    return out;
  }),
  CALLGUARD_DEFAULT_COUNTRY: country,
  CALLGUARD_SUBSCRIBER_HEADER: z.string().regex(/^[A-Za-z0-9-]+$/, 'must be a SIP header name'),
  CALLGUARD_NODE_ID: z.string(),
  CALLGUARD_LOG_LEVEL: logLevel,
  CALLGUARD_SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(2_147_483_647),
});

export interface Config {
  nodeId: string;
  logLevel: z.infer<typeof logLevel>;
  shutdownGraceMs: number;
  defaultCountry: string;
  subscriberHeader: string;
  /** Keys (Subscriber.number) with the SMS number of those that are not phone numbers. */
  subscribers: Array<{ number: string; sms?: string }>;
  sip: {
    host: string;
    port: number;
    transports: Array<'udp' | 'tcp'>;
    minSE: number;
    sessionExpires: number;
    t1: number;
    maxCalls: number;
    maxPendingOffers: number;
    srcAllow: Cidr[];
    tls: { port: number; cert: string; key: string };
    stack: 'native' | 'drachtio';
    /** Via/Contact host when set (NAT, container bridge). */
    advertisedHost: string;
    drachtio: { host: string; port: number; secret: string };
    limits: { maxMessageBytes: number; maxHeaders: number; maxBodyBytes: number; maxCallsPerSource: number; idleTimeoutMs: number; messageTimeoutMs: number };
  };
  http: { host: string; port: number };
  rtp: { host: string; advertise: string; ports: { min: number; max: number } };
  media: { timeoutMs: number; latch: 'auto' | 'always' | 'never'; statsIntervalMs: number };
  analysis: {
    analyzer: (typeof ANALYZER_NAMES)[number];
    /** The LLM a chain asks. */
    chainLlm: 'azure-openai' | 'openai';
    /** Offline recognizer words: mean posterior for a tactic to count on its own. */
    minSpeechConfidence: number;
    chainMinIntervalMs: number;
    azureOpenAI: { endpoint: string; deployment: string; apiVersion: string; key: string; tokenFile: string; timeoutMs: number; tokensPerCall: number };
    openAI: { baseUrl: string; model: string; apiKey: string; timeoutMs: number; tokensPerCall: number };
  };
  /** Empty: single node (in-process alert queue, in-memory state). */
  redisUrl: string;
  auth: { enabled: boolean; tokens: Array<{ role: 'reader' | 'admin'; token: string }> };
  cluster: { callTtlMs: number; recordingTtlMs: number };
  alerts: {
    /** smpp | acs | http | console | file:PATH */
    sms: string;
    brand: { name: string; senderId: string; replyKeyword: string; helpNumber?: string };
    defaultLocale: string;
    maxPerHour: number;
    attempts: number;
    backoffMs: number;
    dedupTtlMs: number;
    numberHashSecret: string;
    smpp: { url: string; systemId: string; password: string; systemType: string; enquireLinkMs: number };
    acs: { connectionString: string };
    http: { url: string; secret: string };
  };
  speech: {
    engine: 'offline' | 'azure' | 'none';
    max: number;
    language: string;
    transcript: { windowMs: number; maxUtterances: number };
    azure: { key: string; tokenFile: string; region: string; endpoint: string };
  };
}

export type Env = Record<string, string | undefined>;

function readFile(path: string): Env {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError('CALLGUARD_CONFIG_FILE', `cannot read ${path}: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('CALLGUARD_CONFIG_FILE', `${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError('CALLGUARD_CONFIG_FILE', `${path} must hold one JSON object keyed by setting name`);
  }
  const out: Env = {};
  for (const [k, v] of Object.entries(data)) {
    if (!(k in SETTINGS)) throw new ConfigError(k, `unknown setting in ${path}`);
    out[k] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

/**
 * Builds the configuration from the environment (and the file it or `file` names).
 * Throws ConfigError naming the first bad key.
 */
export function loadConfig(env: Env = process.env, file?: string): Config {
  const path = file ?? env.CALLGUARD_CONFIG_FILE;
  const fromFile = path ? readFile(path) : {};
  const raw: Record<string, string> = {};
  for (const [name, setting] of Object.entries(SETTINGS)) {
    raw[name] = env[name] ?? fromFile[name] ?? setting.default;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue?.path[0] ?? 'config');
    // Secrets are never echoed, not even when wrong.
    const got = SECRETS.has(key) ? '(hidden)' : `"${raw[key] ?? ''}"`;
    throw new ConfigError(key, `${issue?.message ?? 'invalid'} (got ${got})`);
  }
  const v = parsed.data;
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
  if (v.CALLGUARD_SPEECH === 'azure') {
    if (!v.CALLGUARD_AZURE_SPEECH_KEY === !v.CALLGUARD_AZURE_SPEECH_TOKEN_FILE) {
      throw new ConfigError('CALLGUARD_AZURE_SPEECH_KEY', 'or CALLGUARD_AZURE_SPEECH_TOKEN_FILE (exactly one) is required when CALLGUARD_SPEECH=azure');
    }
    if (!v.CALLGUARD_AZURE_SPEECH_REGION && !v.CALLGUARD_AZURE_SPEECH_ENDPOINT) {
      throw new ConfigError('CALLGUARD_AZURE_SPEECH_REGION', 'or CALLGUARD_AZURE_SPEECH_ENDPOINT is required when CALLGUARD_SPEECH=azure');
    }
  }
  // The LLM in use, alone or in a chain: only its keys are required.
  const llm = v.CALLGUARD_ANALYZER === 'chain' ? v.CALLGUARD_CHAIN_LLM : v.CALLGUARD_ANALYZER;
  const why = v.CALLGUARD_ANALYZER === 'chain' ? `CALLGUARD_ANALYZER=chain with CALLGUARD_CHAIN_LLM=${llm}` : `CALLGUARD_ANALYZER=${llm}`;
  if (llm === 'openai') {
    if (!v.CALLGUARD_OPENAI_BASE_URL) throw new ConfigError('CALLGUARD_OPENAI_BASE_URL', `is required when ${why}`);
    if (!v.CALLGUARD_OPENAI_MODEL) throw new ConfigError('CALLGUARD_OPENAI_MODEL', `is required when ${why}`);
  }
  if (llm === 'azure-openai') {
    if (!v.CALLGUARD_AZURE_OPENAI_ENDPOINT) throw new ConfigError('CALLGUARD_AZURE_OPENAI_ENDPOINT', `is required when ${why}`);
    if (!v.CALLGUARD_AZURE_OPENAI_DEPLOYMENT) throw new ConfigError('CALLGUARD_AZURE_OPENAI_DEPLOYMENT', `is required when ${why}`);
    if (!v.CALLGUARD_AZURE_OPENAI_KEY === !v.CALLGUARD_AZURE_OPENAI_TOKEN_FILE) {
      throw new ConfigError('CALLGUARD_AZURE_OPENAI_KEY', 'or CALLGUARD_AZURE_OPENAI_TOKEN_FILE (exactly one) is required for the Azure OpenAI analyzer');
    }
  }
  if (v.CALLGUARD_SMS === 'smpp' && !v.CALLGUARD_SMPP_URL) throw new ConfigError('CALLGUARD_SMPP_URL', 'is required when CALLGUARD_SMS=smpp');
  if (v.CALLGUARD_SMS === 'smpp' && !v.CALLGUARD_SMPP_SYSTEM_ID) throw new ConfigError('CALLGUARD_SMPP_SYSTEM_ID', 'is required when CALLGUARD_SMS=smpp');
  if (v.CALLGUARD_SMS === 'acs' && !v.CALLGUARD_ACS_CONNECTION_STRING) throw new ConfigError('CALLGUARD_ACS_CONNECTION_STRING', 'is required when CALLGUARD_SMS=acs');
  if (v.CALLGUARD_SMS === 'http' && !v.CALLGUARD_SMS_HTTP_URL) throw new ConfigError('CALLGUARD_SMS_HTTP_URL', 'is required when CALLGUARD_SMS=http');
  if (v.CALLGUARD_SMS === 'http' && !v.CALLGUARD_SMS_HTTP_SECRET) throw new ConfigError('CALLGUARD_SMS_HTTP_SECRET', 'is required when CALLGUARD_SMS=http (receivers must be able to verify the signature)');
  if (v.CALLGUARD_SIP_STACK === 'drachtio' && !v.CALLGUARD_DRACHTIO_SECRET) {
    throw new ConfigError('CALLGUARD_DRACHTIO_SECRET', 'is required when CALLGUARD_SIP_STACK=drachtio');
  }
  if (v.CALLGUARD_SIP_TLS_PORT && (!v.CALLGUARD_SIP_TLS_CERT || !v.CALLGUARD_SIP_TLS_KEY)) {
    throw new ConfigError(v.CALLGUARD_SIP_TLS_CERT ? 'CALLGUARD_SIP_TLS_KEY' : 'CALLGUARD_SIP_TLS_CERT', 'is required when CALLGUARD_SIP_TLS_PORT is set');
  }
  const rtpHost = v.CALLGUARD_RTP_HOST || v.CALLGUARD_SIP_HOST;
  return {
    nodeId: v.CALLGUARD_NODE_ID || hostname(),
    logLevel: v.CALLGUARD_LOG_LEVEL,
    shutdownGraceMs: v.CALLGUARD_SHUTDOWN_GRACE_MS,
    defaultCountry: v.CALLGUARD_DEFAULT_COUNTRY,
    subscriberHeader: v.CALLGUARD_SUBSCRIBER_HEADER,
    subscribers,
    sip: {
      host: v.CALLGUARD_SIP_HOST,
      port: v.CALLGUARD_SIP_PORT,
      transports: v.CALLGUARD_SIP_TRANSPORTS,
      minSE: v.CALLGUARD_SIP_MIN_SE,
      sessionExpires: Math.max(v.CALLGUARD_SIP_SESSION_EXPIRES, v.CALLGUARD_SIP_MIN_SE),
      t1: v.CALLGUARD_SIP_T1,
      maxCalls: v.CALLGUARD_MAX_CALLS,
      maxPendingOffers: v.CALLGUARD_MAX_PENDING_OFFERS,
      srcAllow: v.CALLGUARD_SRC_ALLOW,
      tls: { port: v.CALLGUARD_SIP_TLS_PORT, cert: v.CALLGUARD_SIP_TLS_CERT, key: v.CALLGUARD_SIP_TLS_KEY },
      stack: v.CALLGUARD_SIP_STACK,
      advertisedHost: v.CALLGUARD_SIP_ADVERTISED_HOST,
      drachtio: { host: v.CALLGUARD_DRACHTIO_HOST, port: v.CALLGUARD_DRACHTIO_PORT, secret: v.CALLGUARD_DRACHTIO_SECRET },
      limits: {
        maxMessageBytes: v.CALLGUARD_SIP_MAX_MESSAGE_BYTES,
        maxHeaders: v.CALLGUARD_SIP_MAX_HEADERS,
        maxBodyBytes: v.CALLGUARD_SIP_MAX_BODY_BYTES,
        maxCallsPerSource: v.CALLGUARD_MAX_CALLS_PER_SOURCE,
        idleTimeoutMs: v.CALLGUARD_SIP_IDLE_TIMEOUT_MS,
        messageTimeoutMs: v.CALLGUARD_SIP_MESSAGE_TIMEOUT_MS,
      },
    },
    http: { host: v.CALLGUARD_HTTP_HOST, port: v.CALLGUARD_HTTP_PORT },
    rtp: { host: rtpHost, advertise: mediaAddress(v.CALLGUARD_MEDIA_ADDRESS, rtpHost), ports: v.CALLGUARD_RTP_PORTS },
    media: {
      timeoutMs: Math.round(v.CALLGUARD_MEDIA_TIMEOUT * 1000),
      latch: v.CALLGUARD_MEDIA_LATCH,
      // The actor's view of stream stats (and the media timeout's resolution): a tenth of the
      // timeout, between 0.2 and 2 s.
      statsIntervalMs: Math.min(2000, Math.max(200, Math.round((v.CALLGUARD_MEDIA_TIMEOUT * 1000) / 10) || 2000)),
    },
    analysis: {
      analyzer: v.CALLGUARD_ANALYZER,
      minSpeechConfidence: v.CALLGUARD_SPEECH_MIN_CONFIDENCE,
      chainMinIntervalMs: v.CALLGUARD_CHAIN_MIN_INTERVAL * 1000,
      chainLlm: v.CALLGUARD_CHAIN_LLM,
      azureOpenAI: {
        endpoint: v.CALLGUARD_AZURE_OPENAI_ENDPOINT,
        deployment: v.CALLGUARD_AZURE_OPENAI_DEPLOYMENT,
        apiVersion: v.CALLGUARD_AZURE_OPENAI_API_VERSION,
        key: v.CALLGUARD_AZURE_OPENAI_KEY,
        tokenFile: v.CALLGUARD_AZURE_OPENAI_TOKEN_FILE,
        timeoutMs: v.CALLGUARD_AZURE_OPENAI_TIMEOUT_MS,
        tokensPerCall: v.CALLGUARD_AZURE_OPENAI_TOKENS_PER_CALL,
      },
      openAI: {
        baseUrl: v.CALLGUARD_OPENAI_BASE_URL,
        model: v.CALLGUARD_OPENAI_MODEL,
        apiKey: v.CALLGUARD_OPENAI_API_KEY,
        timeoutMs: v.CALLGUARD_OPENAI_TIMEOUT_MS,
        tokensPerCall: v.CALLGUARD_OPENAI_TOKENS_PER_CALL,
      },
    },
    redisUrl: v.REDIS_URL,
    auth: { enabled: v.CALLGUARD_AUTH === 'on', tokens: v.CALLGUARD_API_TOKENS },
    cluster: { callTtlMs: v.CALLGUARD_CALL_TTL * 1000, recordingTtlMs: v.CALLGUARD_RECORDING_TTL * 1000 },
    alerts: {
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
    },
    speech: {
      engine: v.CALLGUARD_SPEECH,
      max: v.CALLGUARD_SPEECH_MAX,
      language: v.CALLGUARD_SPEECH_LANGUAGE,
      transcript: { windowMs: v.CALLGUARD_TRANSCRIPT_SECONDS * 1000, maxUtterances: v.CALLGUARD_TRANSCRIPT_UTTERANCES },
      azure: {
        key: v.CALLGUARD_AZURE_SPEECH_KEY,
        tokenFile: v.CALLGUARD_AZURE_SPEECH_TOKEN_FILE,
        region: v.CALLGUARD_AZURE_SPEECH_REGION,
        endpoint: v.CALLGUARD_AZURE_SPEECH_ENDPOINT,
      },
    },
  };
}

/**
 * The address SDP answers give for our RTP. A wildcard there would tell the SBC "hold" (c=0.0.0.0): use
 * this machine's first non-loopback IPv4 address instead, or refuse to start when it has none.
 */
function mediaAddress(configured: string, rtpHost: string): string {
  const chosen = configured || rtpHost;
  if (chosen !== '0.0.0.0' && chosen !== '::') return chosen;
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  throw new ConfigError('CALLGUARD_MEDIA_ADDRESS', `must be set: RTP listens on ${chosen} and this machine has no non-loopback IPv4 address to announce in SDP`);
}

/** A URL as shown to people: scheme, host, port and path; never credentials or a query. */
function redactUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)/i.exec(url);
  if (!m) return url ? '(set)' : url;
  const authority = m[2]!;
  // The last '@' ends the credentials (a password may itself hold '@').
  const at = authority.lastIndexOf('@');
  const host = at >= 0 ? `(credentials)@${authority.slice(at + 1)}` : authority;
  return `${m[1]}${host}${m[3]}${/[?#]/.test(url) ? '?(redacted)' : ''}`;
}

/**
 * The configuration as the ops API shows it to an admin: secrets replaced by whether they are set,
 * subscriber numbers masked, CIDRs as text.
 */
export function redactedConfig(config: Config): unknown {
  const set = (v: string): string => (v ? '(set)' : '');
  const mask = (n: string): string => (n.length > 5 ? `${n.slice(0, 3)}${'*'.repeat(n.length - 5)}${n.slice(-2)}` : '***');
  return {
    ...config,
    subscribers: config.subscribers.map((s) => (s.sms !== undefined ? `${mask(s.number)}=${mask(s.sms)}` : mask(s.number))),
    redisUrl: redactUrl(config.redisUrl),
    auth: { enabled: config.auth.enabled, tokens: config.auth.tokens.map((t) => ({ role: t.role, token: '(set)' })) },
    alerts: {
      ...config.alerts,
      numberHashSecret: set(config.alerts.numberHashSecret),
      smpp: { ...config.alerts.smpp, url: redactUrl(config.alerts.smpp.url), password: set(config.alerts.smpp.password) },
      acs: { connectionString: set(config.alerts.acs.connectionString) },
      http: { url: redactUrl(config.alerts.http.url), secret: set(config.alerts.http.secret) },
    },
    sip: { ...config.sip, srcAllow: config.sip.srcAllow.map((c) => c.text), drachtio: { ...config.sip.drachtio, secret: set(config.sip.drachtio.secret) } },
    analysis: {
      ...config.analysis,
      azureOpenAI: { ...config.analysis.azureOpenAI, endpoint: redactUrl(config.analysis.azureOpenAI.endpoint), key: set(config.analysis.azureOpenAI.key) },
      openAI: { ...config.analysis.openAI, baseUrl: redactUrl(config.analysis.openAI.baseUrl), apiKey: set(config.analysis.openAI.apiKey) },
    },
    speech: { ...config.speech, azure: { ...config.speech.azure, endpoint: redactUrl(config.speech.azure.endpoint), key: set(config.speech.azure.key) } },
  };
}
