/**
 * The analyzer port: a speaker-labelled transcript window in, a judgement out. Analyzers are
 * stateless per call (the call actor holds the risk history); the escalation policy in policy.ts
 * turns their results into levels and at most one alert.
 */
import type { Keyphrase } from './keyphrases.js';

export type RiskLevel = 'none' | 'low' | 'medium' | 'high';
export const RISK_LEVELS: readonly RiskLevel[] = ['none', 'low', 'medium', 'high'];

export type Tactic = Keyphrase['tactic'];

export interface WindowTurn {
  speaker: 'caller' | 'subscriber' | 'unknown';
  text: string;
  /** Phrases the recognizer spotted in it, if any. */
  keyphrases?: string[];
  /**
   * Where the text came from: a recognizer (offline decoders' words are hints until corroborated;
   * Azure's are taken as said) or a script (eval's text replay). Absent: taken as said.
   */
  source?: 'offline' | 'azure' | 'text';
  /** The recognizer's words with their confidences, in the order `text` has them (offline). */
  words?: Array<{ word: string; confidence: number }>;
}

export interface AnalysisInput {
  /** Oldest first; only final utterances. */
  window: WindowTurn[];
  /** DTMF the parties keyed so far (a subscriber keying digits during a suspicious call is a signal). */
  dtmf?: Array<{ digit: string; role?: 'caller' | 'subscriber' }>;
  /** BCP 47 of the call, when known. */
  language?: string;
}

export interface Analysis {
  /** 0..1, likelihood the call is a scam. */
  score: number;
  level: RiskLevel;
  /** e.g. government, bank, tech-support, family, prize, refund, other; 'none' when no scam is seen. */
  category: string;
  tactics: Tactic[];
  /** One plain sentence a subscriber understands ("The caller claims to be from the tax office and demands payment in gift cards."). */
  explanation: string;
  /** Which analyzer produced it (chain reports the one whose result stands). */
  analyzer: 'local' | LlmAnalyzerName;
}

/** The LLM judges: Azure OpenAI, or any OpenAI-compatible chat-completions server (vLLM, Ollama, …). */
export type LlmAnalyzerName = 'azure-openai' | 'openai';

/** What an LLM analyzer counts since start, read by the metrics at scrape time. */
export interface LlmStats {
  /** Refusals by the provider's content filter: of the prompt (HTTP 400) or of the answer (cut). */
  contentFiltered: Readonly<{ prompt: number; completion: number }>;
}

export interface Analyzer {
  readonly name: 'local' | LlmAnalyzerName | 'chain';
  /** Never rejects for a bad model answer: falls back or returns a low-confidence result. Honours `signal`. */
  analyze(input: AnalysisInput, signal?: AbortSignal): Promise<Analysis>;
  close?(): Promise<void>;
}
