export { AzureRecognizer } from './azure-recognizer.js';
export { AzureRecognizerFactory } from './azure-recognizer-factory.js';
export { resolveAzureSpeechOptions, type AzureSpeechOptions, type ResolvedAzureSpeechOptions } from './azure-speech-config.js';
export {
  AzureRecognitionError,
  AzureSpeechConfigError,
  type AzureRecognitionErrorCode,
  type AzureSpeechConfigErrorCode,
} from './azure-speech-errors.js';
