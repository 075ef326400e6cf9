/** The configuration as the ops API shows it to an admin. */
import type { Config } from './types.js';

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
