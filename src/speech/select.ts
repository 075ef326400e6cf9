/**
 * Picks the recognizer factory CALLGUARD_SPEECH names. `offline` needs pocketsphinx: when it is not
 * installed the node says so once and records without transcription.
 */
import { readFile } from 'node:fs/promises';
import { KEYPHRASES } from '../analysis/keyphrases.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { AzureRecognizerFactory } from './azure/index.js';
import { OfflineRecognizerFactory } from './offline/index.js';
import type { RecognizerFactory } from './types.js';

export function selectRecognizerFactory(config: Config, logger: Logger): RecognizerFactory | undefined {
  const log = logger.child({ mod: 'speech' });
  switch (config.speech.engine) {
    case 'none':
      return undefined;
    case 'azure': {
      const { key, tokenFile, region, endpoint } = config.speech.azure;
      return new AzureRecognizerFactory({
        // Entra ID: the token file is read before every connection, so a refreshed token is used.
        ...(key ? { key } : { token: async () => (await readFile(tokenFile, 'utf8')).trim() }),
        ...(region ? { region } : {}),
        ...(endpoint ? { endpoint } : {}),
        language: config.speech.language,
        phraseList: KEYPHRASES.map((k) => k.phrase),
        logger: log,
      });
    }
    case 'offline':
      if (!OfflineRecognizerFactory.available()) {
        log.warn('CALLGUARD_SPEECH=offline but pocketsphinx is not installed (apt-get install pocketsphinx pocketsphinx-en-us): calls are recorded without transcription');
        return undefined;
      }
      return new OfflineRecognizerFactory({ log });
  }
}
