export {
  ChainAnalyzer,
  ANONYMOUS_CALL,
  type CallScopedAnalyzer,
  type ChainDecision,
  type ChainOptions,
} from './chain-analyzer.js';
