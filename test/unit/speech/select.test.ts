import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.js';
import { silentLogger } from '../../../src/log.js';
import { selectRecognizerFactory } from '../../../src/speech/select.js';
import type { RecognizerFactory } from '../../../src/speech/types.js';
import { FakeAzureSpeech } from '../../support/fake-azure-speech.js';

describe('CALLGUARD_SPEECH', () => {
  let fake: FakeAzureSpeech | undefined;
  let factory: RecognizerFactory | undefined;
  afterEach(async () => {
    await factory?.close();
    await fake?.close();
    factory = fake = undefined;
  });

  it('none: no recognizer', () => {
    expect(selectRecognizerFactory(loadConfig({ CALLGUARD_SPEECH: 'none' }), silentLogger())).toBeUndefined();
  });

  it('azure with a token file: reads the current token before each connection', async () => {
    fake = await FakeAzureSpeech.start();
    const file = join(mkdtempSync(join(tmpdir(), 'cg-token-')), 'token');
    writeFileSync(file, 'entra-token-A\n');
    factory = selectRecognizerFactory(
      loadConfig({ CALLGUARD_SPEECH: 'azure', CALLGUARD_AZURE_SPEECH_TOKEN_FILE: file, CALLGUARD_AZURE_SPEECH_ENDPOINT: fake.endpoint }),
      silentLogger(),
    );
    expect(factory?.name).toBe('azure');
    const first = await factory!.start({ role: 'caller', streamIndex: 0, sampleRate: 8000, language: 'en-US' });
    writeFileSync(file, 'entra-token-B\n');
    const second = await factory!.start({ role: 'subscriber', streamIndex: 1, sampleRate: 8000, language: 'en-US' });
    expect(fake.connections.map((c) => c.handshake.headers['authorization'])).toEqual(['Bearer entra-token-A', 'Bearer entra-token-B']);
    await Promise.all([first.close(), second.close()]);
  });
});
