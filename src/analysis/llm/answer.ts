/**
 * Reading a chat.completion into an Analysis. Strict for json_schema answers (the whole content is
 * the JSON object); lenient for servers that ignore response_format, whose models wrap the object in
 * prose or a ```json fence: there the first balanced JSON object is taken. Either way the object must
 * pass the same zod schema, or the answer is 'malformed'.
 */
import type { ChatCompletion } from 'openai/resources/chat/completions';
import type { Analysis, LlmAnalyzerName } from '../types.js';
import { AnalyzerUnavailableError } from './errors.js';
import { ModelAnswer } from './prompt.js';

/** The answer's text; throws AnalyzerUnavailableError for a filtered, empty or unfinished answer. */
export function answerContent(completion: ChatCompletion): string {
  const choice = completion.choices?.[0];
  if (choice?.finish_reason === 'content_filter') {
    throw new AnalyzerUnavailableError('content-filtered', 'the content filter cut the answer');
  }
  const content = choice?.message?.content;
  if (!choice || typeof content !== 'string' || content.length === 0) {
    throw new AnalyzerUnavailableError('malformed', 'answer has no content (refusal?)');
  }
  if (choice.finish_reason !== 'stop') {
    throw new AnalyzerUnavailableError('malformed', `answer did not finish (${choice.finish_reason})`);
  }
  return content;
}

/** The whole text as JSON, or undefined. */
export function strictJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The first balanced `{…}` in the text that parses as JSON, or undefined. Strings are tracked so a
 * brace inside one does not count; a candidate that does not parse moves on to the next `{`.
 */
export function extractJsonObject(text: string): unknown {
  // Answers are a few hundred characters; the cap keeps a runaway one from costing quadratic time.
  const t = text.slice(0, 20_000);
  for (let start = t.indexOf('{'); start >= 0; start = t.indexOf('{', start + 1)) {
    const end = balancedEnd(t, start);
    if (end < 0) continue;
    const json = strictJson(t.slice(start, end + 1));
    if (isJsonObject(json)) return json;
  }
  return undefined;
}

export function isJsonObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function balancedEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) return i;
  }
  return -1;
}

/** Validates the model's object; throws AnalyzerUnavailableError('malformed'). */
export function toAnalysis(json: unknown, analyzer: LlmAnalyzerName): Analysis {
  const parsed = ModelAnswer.safeParse(json);
  if (!parsed.success) throw new AnalyzerUnavailableError('malformed', 'answer does not match the schema');
  const a = parsed.data;
  return {
    score: a.score,
    level: a.level,
    category: a.category,
    tactics: [...new Set(a.tactics)],
    explanation: a.explanation,
    analyzer,
  };
}

/** Strict reading (json_schema contract): throws AnalyzerUnavailableError('malformed' | 'content-filtered'). */
export function parseCompletion(completion: ChatCompletion, analyzer: LlmAnalyzerName = 'azure-openai'): Analysis {
  const json = strictJson(answerContent(completion));
  if (json === undefined) throw new AnalyzerUnavailableError('malformed', 'answer is not JSON');
  return toAnalysis(json, analyzer);
}
