/**
 * The Azure OpenAI analyzer: the shared chat-completions judge (../llm) over openai's `AzureOpenAI`
 * client, with Azure's content-filter shapes recognised. json_schema only: every api-version the
 * configuration accepts for it has structured outputs, so a refusal is a deployment to fix, not a
 * server to work around.
 */
import { AzureOpenAI } from 'openai';
import { ChatCompletionsAnalyzer, type ChatJudgeTuning } from '../llm/index.js';
import { azureContentFilter } from './content-filter.js';

export interface AzureOpenAIAnalyzerOptions extends ChatJudgeTuning {
  /** e.g. https://my-resource.openai.azure.com/ (tests: http://127.0.0.1:PORT). */
  endpoint: string;
  /** The chat-completions model deployment name. */
  deployment: string;
  /** e.g. 2024-10-21 (json_schema structured outputs need 2024-08-01-preview or later). */
  apiVersion: string;
  /** Key auth (sent as `api-key`). Give this or `azureADTokenProvider`. */
  apiKey?: string;
  /** Microsoft Entra ID auth (sent as `Authorization: Bearer`), e.g. from @azure/identity's getBearerTokenProvider. */
  azureADTokenProvider?: () => Promise<string>;
}

export class AzureOpenAIAnalyzer extends ChatCompletionsAnalyzer<'azure-openai'> {
  constructor(opts: AzureOpenAIAnalyzerOptions) {
    if (!opts.apiKey && !opts.azureADTokenProvider) {
      throw new Error('AzureOpenAIAnalyzer needs apiKey or azureADTokenProvider');
    }
    if (opts.apiKey && opts.azureADTokenProvider) {
      throw new Error('AzureOpenAIAnalyzer: give apiKey or azureADTokenProvider, not both');
    }
    const { endpoint, deployment, apiVersion, apiKey, azureADTokenProvider, ...tuning } = opts;
    const client = new AzureOpenAI({
      endpoint,
      deployment,
      apiVersion,
      ...(apiKey ? { apiKey } : { azureADTokenProvider }),
      maxRetries: 0,
    });
    super({ ...tuning, name: 'azure-openai', client, model: deployment, label: 'azure openai', contentFilter: azureContentFilter });
  }
}
