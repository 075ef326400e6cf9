export { LocalAnalyzer, LEVEL_THRESHOLDS, levelOf, type LocalAnalyzerOptions, type LocalEvidence } from './local-analyzer.js';
export { detectTactics, detectCallerTactics, tacticsOf, TACTIC_ORDER, type Evidence, type TacticHit } from './tactics.js';
export { TextModel, type ModelWeights } from './model.js';
