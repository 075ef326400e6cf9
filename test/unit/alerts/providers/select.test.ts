import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseSmsProviderSpec, selectSmsProvider } from '../../../../src/alerts/providers/select.js';
import { AcsSmsProvider } from '../../../../src/alerts/providers/acs/index.js';
import { ConsoleSmsProvider } from '../../../../src/alerts/providers/console/index.js';
import { FileSmsProvider } from '../../../../src/alerts/providers/file/index.js';
import { HttpSmsProvider } from '../../../../src/alerts/providers/http/index.js';
import { SmppSmsProvider } from '../../../../src/alerts/providers/smpp/index.js';

describe('parseSmsProviderSpec', () => {
  it('accepts the five kinds, file with a path that may contain colons', () => {
    expect(parseSmsProviderSpec('smpp')).toEqual({ kind: 'smpp' });
    expect(parseSmsProviderSpec(' ACS ')).toEqual({ kind: 'acs' });
    expect(parseSmsProviderSpec('console')).toEqual({ kind: 'console' });
    expect(parseSmsProviderSpec('file:./var/sms.jsonl')).toEqual({ kind: 'file', path: './var/sms.jsonl' });
    expect(parseSmsProviderSpec('file:C:/tmp/sms.jsonl')).toEqual({ kind: 'file', path: 'C:/tmp/sms.jsonl' });
  });

  it('names CALLGUARD_SMS when the spec is unknown or malformed', () => {
    for (const bad of ['twilio', '', 'smpp:host', 'file:', 'console:x']) {
      expect(() => parseSmsProviderSpec(bad), bad).toThrow(/CALLGUARD_SMS/);
    }
  });
});

describe('selectSmsProvider', () => {
  it('builds each provider from its settings', async () => {
    const providers = [
      selectSmsProvider('smpp', { smpp: { url: 'smpp://127.0.0.1:2775', systemId: 'cg', password: 'pw' } }),
      selectSmsProvider('acs', { acs: { connectionString: `endpoint=https://x.communication.azure.com/;accesskey=${Buffer.from('k').toString('base64')}` } }),
      selectSmsProvider('http', { http: { url: 'https://gw.example.com/sms', secret: 's' } }),
      selectSmsProvider('file:/tmp/callguard-select-test/sms.jsonl'),
      selectSmsProvider('file', { file: { path: '/tmp/callguard-select-test/other.jsonl' } }),
      selectSmsProvider('console', { console: { stream: new PassThrough() } }),
    ];
    expect(providers.map((p) => p.constructor)).toEqual([
      SmppSmsProvider,
      AcsSmsProvider,
      HttpSmsProvider,
      FileSmsProvider,
      FileSmsProvider,
      ConsoleSmsProvider,
    ]);
    expect(providers.map((p) => p.name)).toEqual(['smpp', 'acs', 'http', 'file', 'file', 'console']);
    expect((providers[3] as FileSmsProvider).path).toBe('/tmp/callguard-select-test/sms.jsonl');
    // Nothing was started: close() is safe on a never-started provider.
    await Promise.all(providers.map((p) => p.close()));
  });

  it('throws, naming CALLGUARD_SMS, when the kind has no settings', () => {
    expect(() => selectSmsProvider('smpp')).toThrow(/CALLGUARD_SMS=smpp needs smpp settings/);
    expect(() => selectSmsProvider('acs', {})).toThrow(/CALLGUARD_SMS=acs/);
    expect(() => selectSmsProvider('http')).toThrow(/CALLGUARD_SMS=http/);
    expect(() => selectSmsProvider('file')).toThrow(/CALLGUARD_SMS=file needs a path/);
    expect(() => selectSmsProvider('carrier-pigeon')).toThrow(/CALLGUARD_SMS/);
  });

  it('passes settings errors through', () => {
    expect(() => selectSmsProvider('smpp', { smpp: { url: 'http://x', systemId: 'a', password: 'b' } })).toThrow(/smpp: or ssmpp:/);
    expect(() => selectSmsProvider('http', { http: { url: 'ftp://x', secret: 's' } })).toThrow(/http: or https:/);
  });
});
