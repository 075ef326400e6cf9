/**
 * Builds the SmsProvider CALLGUARD_SMS names:
 *
 *   smpp | acs | http | file:PATH | file | console
 *
 * `file:PATH` carries its path in the spec (PATH may itself contain ':'); bare `file` takes
 * `settings.file.path`. Each other kind needs its block in `settings`; a missing block or an unknown
 * spec throws, naming CALLGUARD_SMS, so a typo stops start-up instead of silently dropping alerts.
 */
import type { Logger } from 'pino';
import type { SmsProvider } from '../types.js';
import { AcsSmsProvider, type AcsSmsProviderOptions } from './acs/index.js';
import { ConsoleSmsProvider } from './console/index.js';
import { FileSmsProvider } from './file/index.js';
import { HttpSmsProvider, type HttpSmsProviderOptions } from './http/index.js';
import { SmppSmsProvider, type SmppSmsProviderOptions } from './smpp/index.js';

export type SmsProviderKind = SmsProvider['name'];

export interface SmsProviderSettings {
  /** url (smpp://host:2775), systemId, password, systemType?, sourceTon?/sourceNpi?, connectTimeoutMs (5000), enquireLinkMs (30000), submitTimeoutMs (10000), reconnectMs (1000), reconnectMaxMs (30000), windowSize (10), closeTimeoutMs (2000). */
  smpp?: Omit<SmppSmsProviderOptions, 'logger'>;
  /** connectionString, or endpoint + key; from?; timeoutMs (10000); maxRetries (0); allowInsecureConnection? */
  acs?: Omit<AcsSmsProviderOptions, 'logger'>;
  /** url, secret (HMAC-SHA256 key), timeoutMs (5000). */
  http?: Omit<HttpSmsProviderOptions, 'logger'>;
  /** Used by a bare `file` spec; `file:PATH` overrides it. */
  file?: { path?: string };
  /** Where `console` prints; default stdout. */
  console?: { stream?: NodeJS.WritableStream };
}

export interface SmsProviderSpec {
  kind: SmsProviderKind;
  /** Only for `file:PATH`. */
  path?: string;
}

const ENV = 'CALLGUARD_SMS';
const KINDS: readonly SmsProviderKind[] = ['smpp', 'acs', 'http', 'file', 'console'];

/** Parses a CALLGUARD_SMS value; throws an Error naming CALLGUARD_SMS when it is not one of the kinds. */
export function parseSmsProviderSpec(spec: string): SmsProviderSpec {
  const value = spec.trim();
  const colon = value.indexOf(':');
  const kind = (colon < 0 ? value : value.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? undefined : value.slice(colon + 1);
  if (kind === 'file' && rest !== undefined) {
    if (!rest.trim()) throw new Error(`${ENV}=file:PATH needs a path after "file:"`);
    return { kind: 'file', path: rest.trim() };
  }
  if (rest === undefined && (KINDS as readonly string[]).includes(kind)) return { kind: kind as SmsProviderKind };
  throw new Error(`${ENV} must be one of smpp, acs, http, file:PATH, console (got "${value.slice(0, 40)}")`);
}

export function selectSmsProvider(spec: string, settings: SmsProviderSettings = {}, logger?: Logger): SmsProvider {
  const parsed = parseSmsProviderSpec(spec);
  const withLogger = logger ? { logger } : {};
  switch (parsed.kind) {
    case 'smpp':
      return new SmppSmsProvider({ ...need(settings.smpp, 'smpp', 'url, systemId, password'), ...withLogger });
    case 'acs':
      return new AcsSmsProvider({ ...need(settings.acs, 'acs', 'connectionString or endpoint + key'), ...withLogger });
    case 'http':
      return new HttpSmsProvider({ ...need(settings.http, 'http', 'url, secret'), ...withLogger });
    case 'file': {
      const path = parsed.path ?? settings.file?.path;
      if (!path) throw new Error(`${ENV}=file needs a path: use file:PATH`);
      return new FileSmsProvider({ path, ...withLogger });
    }
    case 'console':
      return new ConsoleSmsProvider(settings.console ?? {});
  }
}

function need<T>(value: T | undefined, kind: SmsProviderKind, fields: string): T {
  if (!value) throw new Error(`${ENV}=${kind} needs ${kind} settings (${fields})`);
  return value;
}
