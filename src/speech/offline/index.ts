export { BandFiller, type BandFillOptions } from './band-fill.js';
export { corpusVocabulary, readCorpus } from './corpus.js';
export {
  debianModel,
  generateModelDir,
  modelInstalled,
  selectDictionary,
  TELEPHONE_FEATURES,
  type GeneratedModel,
  type ModelPaths,
} from './model-dir.js';
export { OfflineRecognizer } from './offline-recognizer.js';
export { decoderArgs, OfflineRecognizerFactory, type OfflineRecognizerFactoryOptions } from './offline-recognizer-factory.js';
export { DecoderOutputParser, PocketsphinxProcess } from './pocketsphinx-process.js';
export { spokenWords } from './spoken-words.js';
