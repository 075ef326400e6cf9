import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AREAS, ConfigError, SETTINGS, cidrMatcher, loadConfig, parseCidr, redactedConfig } from '../../../src/config/index.js';

const repoRoot = resolve(import.meta.dirname, '../../..');

describe('config', () => {
  it('has working loopback defaults with no environment at all', () => {
    const c = loadConfig({});
    expect(c.sip).toMatchObject({ host: '127.0.0.1', port: 5060, transports: ['udp', 'tcp'], minSE: 90 });
    expect(c.http).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(c.rtp).toEqual({ host: '127.0.0.1', advertise: '127.0.0.1', ports: { min: 20000, max: 29999 } });
    expect(c.defaultCountry).toBe('US');
    expect(c.subscribers).toEqual([]);
    const allow = cidrMatcher(c.sip.srcAllow);
    expect(allow('127.0.0.1')).toBe(true);
    expect(allow('::1')).toBe(true);
    expect(allow('10.0.0.1')).toBe(false);
  });

  it('reads CALLGUARD_* variables and normalises subscribers with the default country', () => {
    const c = loadConfig({
      CALLGUARD_SIP_PORT: '5070',
      CALLGUARD_RTP_PORTS: '30000-30100',
      CALLGUARD_SUBSCRIBERS: '2125550123, +442071838750',
      CALLGUARD_SRC_ALLOW: '10.0.0.0/8,192.0.2.7',
      CALLGUARD_DEFAULT_COUNTRY: 'us',
    });
    expect(c.sip.port).toBe(5070);
    expect(c.rtp.ports).toEqual({ min: 30000, max: 30100 });
    expect(c.subscribers).toEqual([{ number: '+12125550123' }, { number: '+442071838750' }]);
    const allow = cidrMatcher(c.sip.srcAllow);
    expect(allow('10.200.3.4')).toBe(true);
    expect(allow('192.0.2.7')).toBe(true);
    expect(allow('192.0.2.8')).toBe(false);
    expect(allow('::ffff:10.1.1.1')).toBe(true);
  });

  it.each([
    ['CALLGUARD_SIP_PORT', 'abc'],
    ['CALLGUARD_SIP_PORT', '70000'],
    ['CALLGUARD_HTTP_PORT', '-1'],
    ['CALLGUARD_RTP_PORTS', '30000'],
    ['CALLGUARD_RTP_PORTS', '30000-20000'],
    ['CALLGUARD_SRC_ALLOW', '10.0.0.0/33'],
    ['CALLGUARD_SRC_ALLOW', 'everyone'],
    ['CALLGUARD_DEFAULT_COUNTRY', 'XX'],
    ['CALLGUARD_SIP_TRANSPORTS', 'sctp'],
    ['CALLGUARD_LOG_LEVEL', 'loud'],
    ['CALLGUARD_SUBSCRIBERS', '12,not-a-number'],
    ['CALLGUARD_SPEECH', 'whisper'],
    ['CALLGUARD_SPEECH_LANGUAGE', 'english please'],
    ['CALLGUARD_SMS', 'pigeon'],
    ['CALLGUARD_SMS', 'file:'],
    ['CALLGUARD_SMS_SENDER', 'A sender id that is too long'],
    ['CALLGUARD_SMS_REPLY_KEYWORD', 'not scam'],
    ['CALLGUARD_ALERT_MAX_PER_HOUR', '0'],
    ['CALLGUARD_SMPP_URL', 'http://smsc:2775'],
    ['REDIS_URL', 'localhost:6379'],
    ['CALLGUARD_ALERT_DEDUP_HOURS', '0.0000001'],
    ['CALLGUARD_SMPP_ENQUIRE_LINK_MS', '30'],
    ['CALLGUARD_SMPP_ENQUIRE_LINK_MS', '3000000000'],
    ['CALLGUARD_SHUTDOWN_GRACE_MS', '3000000000'],
    ['CALLGUARD_SIP_IDLE_TIMEOUT_MS', '10'],
    ['CALLGUARD_SMS_HTTP_URL', 'https://gw:Sup3rSecret@hook.example/sms'],
    ['CALLGUARD_ACS_CONNECTION_STRING', 'accesskey=S3CRET;endpoint=https://x.communication.azure.com/'],
    ['CALLGUARD_ANALYZER', 'gpt'],
    ['CALLGUARD_CHAIN_LLM', 'ollama'],
    ['CALLGUARD_OPENAI_BASE_URL', '127.0.0.1:11434/v1'],
    ['CALLGUARD_OPENAI_TIMEOUT_MS', '0'],
    ['CALLGUARD_OPENAI_TOKENS_PER_CALL', 'many'],
  ])('rejects %s=%s naming the key', (key, value) => {
    let err: unknown;
    try {
      loadConfig({ [key]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).key).toBe(key);
    expect((err as ConfigError).message).toContain(key);
  });

  it('CALLGUARD_MEDIA_WORKERS: auto is one per core, 0 keeps RTP on the main thread, anything else stops start-up naming the key', () => {
    expect(loadConfig({}).media.workers).toBe(Math.max(1, availableParallelism()));
    expect(loadConfig({ CALLGUARD_MEDIA_WORKERS: '0' }).media.workers).toBe(0);
    expect(loadConfig({ CALLGUARD_MEDIA_WORKERS: ' 3 ' }).media.workers).toBe(3);
    for (const bad of ['-1', '1.5', 'many', '65', '']) {
      expect(() => loadConfig({ CALLGUARD_MEDIA_WORKERS: bad })).toThrow(/CALLGUARD_MEDIA_WORKERS/);
    }
  });

  it('never announces a wildcard media address in SDP', () => {
    const c = loadConfig({ CALLGUARD_SIP_HOST: '0.0.0.0' });
    expect(c.rtp.host).toBe('0.0.0.0');
    expect(c.rtp.advertise).not.toBe('0.0.0.0');
    expect(c.rtp.advertise).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(loadConfig({ CALLGUARD_SIP_HOST: '0.0.0.0', CALLGUARD_MEDIA_ADDRESS: '198.51.100.7' }).rtp.advertise).toBe('198.51.100.7');
    expect(loadConfig({ CALLGUARD_SIP_ADVERTISED_HOST: 'srs.example.net' }).sip.advertisedHost).toBe('srs.example.net');
    expect(loadConfig({ CALLGUARD_SIP_IDLE_TIMEOUT_MS: '30000' }).sip.limits).toMatchObject({ idleTimeoutMs: 30000, messageTimeoutMs: 10000 });
  });

  it('alert SMS settings: the development default is a file sink; each provider names the key it lacks; secrets are never echoed', () => {
    const c = loadConfig({});
    expect(c.alerts.sms).toBe('file:./callguard-sms.jsonl');
    expect(c.redisUrl).toBe('');
    expect(c.alerts.brand).toMatchObject({ name: 'Callguard', senderId: 'Callguard', replyKeyword: 'NOTSCAM' });
    expect(() => loadConfig({ CALLGUARD_SMS: 'smpp' })).toThrow(/CALLGUARD_SMPP_URL/);
    expect(() => loadConfig({ CALLGUARD_SMS: 'smpp', CALLGUARD_SMPP_URL: 'smpp://smsc:2775' })).toThrow(/CALLGUARD_SMPP_SYSTEM_ID/);
    expect(() => loadConfig({ CALLGUARD_SMS: 'acs' })).toThrow(/CALLGUARD_ACS_CONNECTION_STRING/);
    expect(() => loadConfig({ CALLGUARD_SMS: 'http', CALLGUARD_SMS_HTTP_URL: 'https://hook.example/sms' })).toThrow(/CALLGUARD_SMS_HTTP_SECRET/);
    const smpp = loadConfig({ CALLGUARD_SMS: 'smpp', CALLGUARD_SMPP_URL: 'ssmpp://smsc:3550', CALLGUARD_SMPP_SYSTEM_ID: 'cg', CALLGUARD_SMPP_PASSWORD: 'pw' });
    expect(smpp.alerts.smpp).toMatchObject({ url: 'ssmpp://smsc:3550', systemId: 'cg', password: 'pw', enquireLinkMs: 30000 });
    for (const [key, value] of [['REDIS_URL', 'redis//:hunter2@x'], ['CALLGUARD_SMPP_PASSWORD', 'hunter2-too-long']] as const) {
      try {
        loadConfig({ [key]: value });
        expect.unreachable();
      } catch (e) {
        expect((e as Error).message).toContain(key);
        expect((e as Error).message).not.toContain('hunter2');
      }
    }
  });

  it('the offline speech confidence threshold is a number in 0..1, named when wrong', () => {
    expect(loadConfig({}).analysis.minSpeechConfidence).toBe(0.6);
    expect(loadConfig({ CALLGUARD_SPEECH_MIN_CONFIDENCE: '0.75' }).analysis.minSpeechConfidence).toBe(0.75);
    expect(() => loadConfig({ CALLGUARD_SPEECH_MIN_CONFIDENCE: '1.5' })).toThrow(/CALLGUARD_SPEECH_MIN_CONFIDENCE/);
    expect(() => loadConfig({ CALLGUARD_SPEECH_MIN_CONFIDENCE: 'high' })).toThrow(/CALLGUARD_SPEECH_MIN_CONFIDENCE/);
  });

  it('Azure speech needs exactly one of a key or a token file, and a region or endpoint; the key is never echoed', () => {
    expect(() => loadConfig({ CALLGUARD_SPEECH: 'azure', CALLGUARD_AZURE_SPEECH_REGION: 'westeurope' })).toThrow(/CALLGUARD_AZURE_SPEECH_KEY/);
    expect(() => loadConfig({ CALLGUARD_SPEECH: 'azure', CALLGUARD_AZURE_SPEECH_KEY: 'k' })).toThrow(/CALLGUARD_AZURE_SPEECH_REGION/);
    const both = { CALLGUARD_SPEECH: 'azure', CALLGUARD_AZURE_SPEECH_KEY: 'k', CALLGUARD_AZURE_SPEECH_TOKEN_FILE: '/t', CALLGUARD_AZURE_SPEECH_REGION: 'westeurope' };
    expect(() => loadConfig(both)).toThrow(/exactly one/);
    const c = loadConfig({ CALLGUARD_SPEECH: 'azure', CALLGUARD_AZURE_SPEECH_TOKEN_FILE: '/run/token', CALLGUARD_AZURE_SPEECH_ENDPOINT: 'wss://x.example/speech/v1' });
    expect(c.speech.azure).toMatchObject({ key: '', tokenFile: '/run/token', endpoint: 'wss://x.example/speech/v1' });
    try {
      loadConfig({ CALLGUARD_SPEECH: 'azure', CALLGUARD_AZURE_SPEECH_KEY: 'sekrit-123' });
    } catch (e) {
      expect((e as Error).message).not.toContain('sekrit');
    }
  });

  it('an OpenAI-compatible LLM needs a base URL and a model only when it is selected, alone or in the chain; its key is never echoed', () => {
    const named = (env: Record<string, string>): string | undefined => {
      try {
        loadConfig(env);
        return undefined;
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).key;
      }
    };
    const server = { CALLGUARD_OPENAI_BASE_URL: 'http://127.0.0.1:11434/v1', CALLGUARD_OPENAI_MODEL: 'llama3.1:8b' };
    expect(named({ CALLGUARD_ANALYZER: 'openai' })).toBe('CALLGUARD_OPENAI_BASE_URL');
    expect(named({ CALLGUARD_ANALYZER: 'openai', CALLGUARD_OPENAI_BASE_URL: server.CALLGUARD_OPENAI_BASE_URL })).toBe('CALLGUARD_OPENAI_MODEL');
    expect(named({ CALLGUARD_ANALYZER: 'chain', CALLGUARD_CHAIN_LLM: 'openai' })).toBe('CALLGUARD_OPENAI_BASE_URL');
    // The chain's default LLM is still Azure OpenAI, so existing configurations keep working.
    expect(named({ CALLGUARD_ANALYZER: 'chain', ...server })).toBe('CALLGUARD_AZURE_OPENAI_ENDPOINT');
    // Azure keys are not required when the chain asks the on-site server.
    const c = loadConfig({ CALLGUARD_ANALYZER: 'chain', CALLGUARD_CHAIN_LLM: 'openai', ...server, CALLGUARD_OPENAI_API_KEY: 'sk-local-secret' });
    expect(c.analysis.chainLlm).toBe('openai');
    expect(c.analysis.openAI).toEqual({ baseUrl: server.CALLGUARD_OPENAI_BASE_URL, model: 'llama3.1:8b', apiKey: 'sk-local-secret', timeoutMs: 5000, tokensPerCall: 20000 });
    expect(JSON.stringify(redactedConfig(c))).not.toContain('sk-local-secret');
    // A URL may carry credentials: the bad value is not echoed.
    expect(() => loadConfig({ CALLGUARD_OPENAI_BASE_URL: 'ftp://user:pw-secret@host/v1' })).toThrow(/^invalid configuration: CALLGUARD_OPENAI_BASE_URL: .*\(got \(hidden\)\)$/);
    expect(named({ ...server, CALLGUARD_ANALYZER: 'local' })).toBeUndefined();
  });

  it('provisions identities as the SRC names them with `identity=sms`, and refuses one without an SMS number', () => {
    const c = loadConfig({ CALLGUARD_SUBSCRIBERS: 'sip:86074075017412@as.example=+12125550123, 8101=2125550124, +442071838750' });
    expect(c.subscribers).toEqual([{ number: '86074075017412', sms: '+12125550123' }, { number: '8101', sms: '+12125550124' }, { number: '+442071838750' }]);
    expect(JSON.stringify(redactedConfig(c))).not.toMatch(/86074075017412|2125550123/);
    expect(() => loadConfig({ CALLGUARD_SUBSCRIBERS: '+12125550123,8101' })).toThrow(/CALLGUARD_SUBSCRIBERS: entry 2: this identity is not a phone number: give the number its SMS goes to/);
    expect(() => loadConfig({ CALLGUARD_SUBSCRIBERS: '8101=8102' })).toThrow(/CALLGUARD_SUBSCRIBERS: entry 1: sms is not a phone number/);
  });

  it('never echoes a subscriber number in its error', () => {
    expect(() => loadConfig({ CALLGUARD_SUBSCRIBERS: '+12125550123,555' })).toThrow(/entry 2/);
    try {
      loadConfig({ CALLGUARD_SUBSCRIBERS: '+12125550123,555' });
    } catch (e) {
      expect((e as Error).message).not.toContain('555');
    }
  });

  it('reads a JSON file, and the environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cg-config-'));
    const file = join(dir, 'callguard.json');
    writeFileSync(file, JSON.stringify({ CALLGUARD_SIP_PORT: 5080, CALLGUARD_HTTP_PORT: 9090, CALLGUARD_SUBSCRIBERS: ['+12125550123'] }));
    const c = loadConfig({ CALLGUARD_HTTP_PORT: '9191' }, file);
    expect(c.sip.port).toBe(5080);
    expect(c.http.port).toBe(9191);
    expect(c.subscribers).toEqual([{ number: '+12125550123' }]);
    writeFileSync(file, JSON.stringify({ CALLGUARD_SIP_PROT: 1 }));
    expect(() => loadConfig({}, file)).toThrow(/CALLGUARD_SIP_PROT: unknown setting/);
    writeFileSync(file, '{ nope');
    expect(() => loadConfig({}, file)).toThrow(/CALLGUARD_CONFIG_FILE/);
  });

  it('parses CIDRs of both families', () => {
    expect(parseCidr('10.1.2.3/8')?.bits).toBe(8);
    expect(parseCidr('2001:db8::/32')?.family).toBe(6);
    expect(parseCidr('1.2.3.4/40')).toBeUndefined();
    expect(cidrMatcher([parseCidr('2001:db8::/32')!])('2001:db8:1::5')).toBe(true);
    expect(cidrMatcher([parseCidr('2001:db8::/32')!])('2001:db9::5')).toBe(false);
  });

  it('the one settings table is the areas\' rows, each setting in exactly one area', () => {
    expect(AREAS.flatMap((a) => Object.keys(a.settings))).toEqual(Object.keys(SETTINGS));
  });

  it('docs/configuration.md documents every setting and its default', () => {
    const doc = readFileSync(join(repoRoot, 'docs/configuration.md'), 'utf8');
    for (const [name, s] of Object.entries(SETTINGS)) {
      const row = doc.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(row, `${name} missing from docs/configuration.md`).toBeDefined();
      expect(row).toContain(s.default === '' ? '(empty)' : `\`${s.default}\``);
    }
  });
});
