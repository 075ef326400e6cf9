import { describe, expect, test } from 'vitest';
import { silentLogger } from '../../../../src/log.js';
import { AzureSpeechConfigError, resolveAzureSpeechOptions, type AzureSpeechOptions } from '../../../../src/speech/azure/index.js';

const base: AzureSpeechOptions = { key: 'k-secret-123', region: 'westeurope', language: 'en-US', phraseList: ['gift cards'], logger: silentLogger() };

function codeOf(opts: AzureSpeechOptions): string | undefined {
  try {
    resolveAzureSpeechOptions(opts);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(AzureSpeechConfigError);
    expect((err as Error).message).not.toContain('k-secret-123');
    return (err as AzureSpeechConfigError).code;
  }
}

describe('resolveAzureSpeechOptions', () => {
  test('accepts a key with a region, or a token provider with an endpoint, and applies defaults', () => {
    const a = resolveAzureSpeechOptions(base);
    expect(a).toMatchObject({ credential: { kind: 'key' }, location: { kind: 'region', region: 'westeurope' }, maxQueuedFrames: 50, maxReconnectAttempts: 5 });
    const b = resolveAzureSpeechOptions({ ...base, key: undefined, region: undefined, token: async () => 't', endpoint: 'wss://x.example/speech/recognition/conversation/cognitiveservices/v1' });
    expect(b.credential.kind).toBe('token');
    expect(b.location).toMatchObject({ kind: 'endpoint' });
  });

  test.each<[string, Partial<AzureSpeechOptions>, string]>([
    ['no credential', { key: undefined }, 'AZURE_SPEECH_NO_CREDENTIALS'],
    ['two credentials', { token: async () => 't' }, 'AZURE_SPEECH_TWO_CREDENTIALS'],
    ['no location', { region: undefined }, 'AZURE_SPEECH_NO_LOCATION'],
    ['two locations', { endpoint: 'wss://x.example/speech' }, 'AZURE_SPEECH_TWO_LOCATIONS'],
    ['endpoint without a path', { region: undefined, endpoint: 'wss://x.example' }, 'AZURE_SPEECH_BAD_ENDPOINT'],
    ['endpoint over https', { region: undefined, endpoint: 'https://x.example/speech' }, 'AZURE_SPEECH_BAD_ENDPOINT'],
    ['endpoint not a URL, with the key in it', { region: undefined, endpoint: 'not a url?key=k-secret-123' }, 'AZURE_SPEECH_BAD_ENDPOINT'],
    ['bad region', { region: 'west europe' }, 'AZURE_SPEECH_BAD_REGION'],
    ['bad language', { language: 'english' }, 'AZURE_SPEECH_BAD_LANGUAGE'],
    ['empty phrase', { phraseList: ['  '] }, 'AZURE_SPEECH_BAD_OPTION'],
    ['negative queue', { maxQueuedFrames: -1 }, 'AZURE_SPEECH_BAD_OPTION'],
  ])('rejects %s', (_name, patch, code) => {
    expect(codeOf({ ...base, ...patch })).toBe(code);
  });
});
