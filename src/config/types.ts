/** The typed configuration every part of callguard reads, and the shape of one row of the settings table. */
import type { z } from 'zod';
import type { ANALYZER_NAMES } from './analysis.js';
import type { LOG_LEVELS } from './ops.js';

export type Env = Record<string, string | undefined>;

/** One setting: its default (as the environment would spell it), what it does, and how its text is parsed. */
export interface Setting {
  default: string;
  doc: string;
  parse: z.ZodType;
  /** Never echoed in an error, not even when wrong: a secret, or a URL that may carry credentials. */
  secret?: true;
}

/** One area's rows of the settings table, keyed by environment variable. */
export type Settings = Record<string, Setting>;

export interface Cidr {
  family: 4 | 6;
  /** Network address as a bigint, masked. */
  network: bigint;
  bits: number;
  text: string;
}

export interface Config {
  nodeId: string;
  logLevel: (typeof LOG_LEVELS)[number];
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
    /** Event-loop lag (ms) above which new INVITEs are shed with 503; 0: off. */
    overloadLagMs: number;
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
  media: { timeoutMs: number; latch: 'auto' | 'always' | 'never'; statsIntervalMs: number; workers: number };
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
