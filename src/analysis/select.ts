/** Builds the analyzer CALLGUARD_ANALYZER (or `callguard eval --analyzer`) names. */
import { readFile } from 'node:fs/promises';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { AzureOpenAIAnalyzer } from './azure-openai/index.js';
import { ChainAnalyzer } from './chain/index.js';
import { LocalAnalyzer } from './local/index.js';
import { OpenAIAnalyzer } from './openai/index.js';
import type { Analyzer, LlmAnalyzerName } from './types.js';

export type AnalyzerName = Config['analysis']['analyzer'];

export function selectAnalyzer(config: Config, logger: Logger, name: AnalyzerName = config.analysis.analyzer): Analyzer {
  const log = logger.child({ mod: 'analysis' });
  const local = () => new LocalAnalyzer({ hitConfidence: config.analysis.minSpeechConfidence });
  if (name === 'local') return local();
  const llm = selectLlm(config, log, name === 'chain' ? config.analysis.chainLlm : name);
  if (name !== 'chain') return llm;
  return new ChainAnalyzer(local(), llm, { minIntervalMs: config.analysis.chainMinIntervalMs, logger: log });
}

function selectLlm(config: Config, log: Logger, name: LlmAnalyzerName): AzureOpenAIAnalyzer | OpenAIAnalyzer {
  if (name === 'openai') {
    const o = config.analysis.openAI;
    return new OpenAIAnalyzer({
      baseURL: o.baseUrl,
      model: o.model,
      ...(o.apiKey ? { apiKey: o.apiKey } : {}),
      timeoutMs: o.timeoutMs,
      maxTokensPerCall: o.tokensPerCall,
      logger: log,
    });
  }
  const o = config.analysis.azureOpenAI;
  return new AzureOpenAIAnalyzer({
    endpoint: o.endpoint,
    deployment: o.deployment,
    apiVersion: o.apiVersion,
    ...(o.key ? { apiKey: o.key } : { azureADTokenProvider: async () => (await readFile(o.tokenFile, 'utf8')).trim() }),
    timeoutMs: o.timeoutMs,
    maxTokensPerCall: o.tokensPerCall,
    logger: log,
  });
}

/** Analyzers that keep per-call state (rate limit, token budget) take the call id. */
export function analyzeForCall(analyzer: Analyzer, callId: string, input: Parameters<Analyzer['analyze']>[0], signal?: AbortSignal) {
  const perCall = analyzer as Analyzer & { analyzeFor?: (id: string, i: typeof input, s?: AbortSignal) => ReturnType<Analyzer['analyze']> };
  return perCall.analyzeFor ? perCall.analyzeFor(callId, input, signal) : analyzer.analyze(input, signal);
}
