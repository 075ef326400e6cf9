export { BandFiller, type BandFillOptions } from './band-fill.js';
export {
  debianModel,
  generateModelDir,
  kwsFileText,
  modelInstalled,
  planKeywords,
  TELEPHONE_FEATURES,
  type GeneratedModel,
  type KwsPlan,
  type ModelPaths,
} from './model-dir.js';
export { OfflineRecognizer } from './offline-recognizer.js';
export { OfflineRecognizerFactory, type OfflineRecognizerFactoryOptions } from './offline-recognizer-factory.js';
export { KwsOutputParser, PocketsphinxProcess } from './pocketsphinx-process.js';
