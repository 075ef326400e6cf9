/**
 * The corpus of telephone talk the offline recognizer's vocabulary comes from: corpus/*.txt, one
 * utterance a line, `#` comments; as much everyday call talk (appointments, deliveries, family,
 * real bank and IT calls) as scam talk, so the vocabulary does not lean toward scam phrases.
 * Written for this project (docs/speech.md says how); `npm run build` copies it next to the
 * compiled module.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { KEYPHRASES } from '../../analysis/keyphrases.js';
import { spokenWords } from './spoken-words.js';

export const CORPUS_DIR = fileURLToPath(new URL('./corpus/', import.meta.url));

let cachedCorpus: string[][] | undefined;

/** The corpus's utterances as spoken words (read once per process for the shipped corpus). */
export function readCorpus(dir: string = CORPUS_DIR): string[][] {
  if (dir === CORPUS_DIR && cachedCorpus) return cachedCorpus;
  const files = readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  if (files.length === 0) throw new Error(`no corpus (*.txt) in ${dir}`);
  const out: string[][] = [];
  for (const f of files) {
    for (const line of readFileSync(join(dir, f), 'utf8').split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      const words = spokenWords(t);
      if (words.length) out.push(words);
    }
  }
  if (dir === CORPUS_DIR) cachedCorpus = out;
  return out;
}

let cached: Set<string> | undefined;

/** Every word of the corpus and of the shared scam keyphrases (computed once per process). */
export function corpusVocabulary(dir: string = CORPUS_DIR): Set<string> {
  if (dir === CORPUS_DIR && cached) return cached;
  const vocab = new Set<string>();
  for (const s of readCorpus(dir)) for (const w of s) vocab.add(w);
  for (const k of KEYPHRASES) for (const w of spokenWords(k.phrase)) vocab.add(w);
  if (dir === CORPUS_DIR) cached = vocab;
  return vocab;
}
