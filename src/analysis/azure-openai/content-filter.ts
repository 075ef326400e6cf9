/**
 * Azure OpenAI's content filter, as it shows in production: scam calls hold threats, sextortion and
 * violence, so a prompt may be refused (HTTP 400, error.code 'content_filter', innererror.code
 * 'ResponsibleAIPolicyViolation' with a content_filter_result per category) or an answer cut
 * (finish_reason 'content_filter', content_filter_results on the choice). Only the verdict leaves
 * this file: categories and severities describe the call's content and are neither logged nor kept.
 */
import type { ContentFilterResultDetailsForPromptOutput, ContentFilterResultsForChoiceOutput } from '@azure/openai/types';
import type { APIError } from 'openai';
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { ContentFilterDetector } from '../llm/index.js';

/** The `error` object of Azure's 400 when the filter refuses a prompt (openai's APIError.error). */
export interface AzurePromptFilteredError {
  code?: string;
  message?: string;
  param?: string | null;
  status?: number;
  innererror?: {
    code?: string;
    content_filter_result?: ContentFilterResultDetailsForPromptOutput;
  };
}

export function isPromptFiltered(err: APIError): boolean {
  if (err.status !== 400) return false;
  const body = err.error as AzurePromptFilteredError | undefined;
  return body?.code === 'content_filter' || body?.innererror?.code === 'ResponsibleAIPolicyViolation';
}

export function isCompletionFiltered(completion: ChatCompletion): boolean {
  const choice = completion.choices?.[0];
  if (!choice) return false;
  return choice.finish_reason === 'content_filter' || anyFiltered(choice.content_filter_results);
}

function anyFiltered(results: ContentFilterResultsForChoiceOutput | undefined): boolean {
  return Object.values(results ?? {}).some((r: unknown) => typeof r === 'object' && r !== null && (r as { filtered?: unknown }).filtered === true);
}

export const azureContentFilter: ContentFilterDetector = {
  promptRefused: isPromptFiltered,
  completionFiltered: isCompletionFiltered,
};
