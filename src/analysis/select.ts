/** Builds the analyzer CALLGUARD_ANALYZER (or `callguard eval --analyzer`) names. */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config.js';
import type { Logger } from '../log.js';
import { AzureOpenAIAnalyzer } from './azure-openai/index.js';
import { ChainAnalyzer } from './chain/index.js';
import { LocalAnalyzer } from './local/index.js';
import type { Analyzer } from './types.js';

export type AnalyzerName = Config['analysis']['analyzer'];

export function selectAnalyzer(config: Config, logger: Logger, name: AnalyzerName = config.analysis.analyzer): Analyzer {
  const log = logger.child({ mod: 'analysis' });
  const local = () => new LocalAnalyzer({ hitConfidence: config.analysis.minSpeechConfidence });
  if (name === 'local') return local();
  const o = config.analysis.azureOpenAI;
  const llm = new AzureOpenAIAnalyzer({
    endpoint: o.endpoint,
    deployment: o.deployment,
    apiVersion: o.apiVersion,
    ...(o.key ? { apiKey: o.key } : { azureADTokenProvider: async () => (await readFile(o.tokenFile, 'utf8')).trim() }),
    timeoutMs: o.timeoutMs,
    maxTokensPerCall: o.tokensPerCall,
    logger: log,
  });
  if (name === 'azure-openai') return llm;
  return new ChainAnalyzer(local(), llm, { minIntervalMs: config.analysis.chainMinIntervalMs, logger: log });
}

/** Analyzers that keep per-call state (rate limit, token budget) take the call id. */
export function analyzeForCall(analyzer: Analyzer, callId: string, input: Parameters<Analyzer['analyze']>[0], signal?: AbortSignal) {
  const perCall = analyzer as Analyzer & { analyzeFor?: (id: string, i: typeof input, s?: AbortSignal) => ReturnType<Analyzer['analyze']> };
  return perCall.analyzeFor ? perCall.analyzeFor(callId, input, signal) : analyzer.analyze(input, signal);
}
