/**
 * The telephone model directory, generated at run time: symlinks to the Debian en-us model plus an
 * edited feat.params, and the decoding dictionary. pocketsphinx reads `feat.params` from the
 * model directory and it silently overrides `-cmninit` and `-upperf` given on the command line
 * (../shared/notes/offline-speech.md), so the only way to change them is a copy of the directory.
 *
 * The dictionary holds the words of the project's corpus of telephone talk (corpus/, as much
 * everyday calls as scam calls) with Debian's pronunciations, and the language model is a trigram
 * model of that corpus built here at node start (language-model.ts, ~1 s). Against Debian's
 * general-English model over the same words it hears more of what callers say (word error 0.22 →
 * 0.17 on the tuning calls, and payment words Debian's model lacks — Zelle, Cash App, crypto — become
 * sayable), decodes a little faster and needs 25 MB per decoder instead of 61 (docs/speech.md).
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { corpusVocabulary, readCorpus } from './corpus.js';
import { buildLanguageModel } from './language-model.js';

/** Where Debian's pocketsphinx-en-us puts the model. */
export const DEBIAN_MODEL_ROOT = '/usr/share/pocketsphinx/model/en-us';

export interface ModelPaths {
  /** Acoustic model directory (mdef, means, feat.params, …). */
  hmm: string;
  /** Pronouncing dictionary. */
  dict: string;
  /** Trigram language model, for full decoding. */
  lm: string;
}

export function debianModel(root = DEBIAN_MODEL_ROOT): ModelPaths {
  return { hmm: join(root, 'en-us'), dict: join(root, 'cmudict-en-us.dict'), lm: join(root, 'en-us.lm.bin') };
}

/** Whether the acoustic model and dictionary are there. */
export function modelInstalled(paths: ModelPaths = debianModel()): boolean {
  return existsSync(join(paths.hmm, 'mdef')) && existsSync(join(paths.hmm, 'feat.params')) && existsSync(paths.dict);
}

/**
 * Feature settings for upsampled, band-filled telephone audio. The cmninit is the cepstral mean
 * pocketsphinx itself converged to on band-filled 8 kHz μ-law speech (its "CMN:" log line), so the
 * first utterance of a stream is not decoded against the wideband mean when CMN is live. Debian's
 * model asks for `-cmn batch` (the mean of each utterance), under which continuous decoding does not
 * use the initial value: it stays for models and settings that run live CMN.
 */
export interface TelephoneFeatures {
  cmninit: string;
  /** Upper edge of the mel filterbank, Hz. */
  upperf: number;
}

export const TELEPHONE_FEATURES: TelephoneFeatures = {
  cmninit: '45.50,9.50,-12.00,-0.50,-7.00,-24.00,-4.00,-22.50,-15.80,-0.40,-15.20,-3.60,-6.20',
  upperf: 6800,
};

/** Replaces (or appends) `-cmninit` and `-upperf` in a feat.params text. */
export function editFeatParams(text: string, features: TelephoneFeatures): string {
  const wanted = new Map([
    ['-cmninit', features.cmninit],
    ['-upperf', String(features.upperf)],
  ]);
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const out = lines.map((line) => {
    const key = line.trim().split(/\s+/)[0] ?? '';
    const value = wanted.get(key);
    if (value === undefined) return line;
    wanted.delete(key);
    return `${key} ${value}`;
  });
  for (const [key, value] of wanted) out.push(`${key} ${value}`);
  return out.join('\n') + '\n';
}

/**
 * The entries of a CMU-format dictionary (`word PH ON ES`, variants as `word(2)`) whose word is in
 * `vocabulary`, every variant kept, in the dictionary's order; then, for vocabulary words it lacks,
 * the entries of `supplement` (the same format); and the vocabulary words neither has.
 */
export function selectDictionary(
  dictText: string,
  vocabulary: ReadonlySet<string>,
  supplement = '',
): { text: string; words: number; missing: string[]; supplemented: number } {
  const lines: string[] = [];
  const found = new Set<string>();
  const take = (text: string, wanted: (word: string) => boolean): Set<string> => {
    const taken = new Set<string>();
    for (const line of text.split('\n')) {
      const sp = line.indexOf(' ');
      if (sp <= 0 || line.startsWith('#')) continue;
      const word = line.slice(0, sp).replace(/\(\d+\)$/, '');
      if (!wanted(word)) continue;
      lines.push(line.trimEnd());
      taken.add(word);
    }
    return taken;
  };
  for (const w of take(dictText, (w) => vocabulary.has(w))) found.add(w);
  // Debian's pronunciation wins: a supplement entry only adds a word Debian cannot say.
  const fromDebian = new Set(found);
  const supplemented = take(supplement, (w) => vocabulary.has(w) && !fromDebian.has(w));
  for (const w of supplemented) found.add(w);
  const missing = [...vocabulary].filter((w) => !found.has(w)).sort();
  return { text: lines.join('\n') + '\n', words: found.size, missing, supplemented: supplemented.size };
}

/**
 * Pronunciations written for this project (ARPAbet, Debian's phone set) of corpus words Debian's
 * dictionary lacks: remote-access tools, payment services, agencies and couriers scammers name
 * (AnyDesk, TeamViewer, Venmo, cryptocurrency, HMRC, Aadhaar…) and British spellings.
 */
export const SUPPLEMENT_DICT = fileURLToPath(new URL('./corpus/pronunciations.dict', import.meta.url));

export interface GeneratedModel {
  /** The temp directory holding everything below; removed by remove(). */
  dir: string;
  hmm: string;
  dict: string;
  lm: string;
  /** Words in the decoding dictionary, and corpus words Debian's dictionary has no pronunciation for. */
  words: number;
  missing: string[];
  remove(): Promise<void>;
}

export interface GenerateOptions {
  model?: ModelPaths;
  features?: TelephoneFeatures;
  /** The decoding vocabulary; the corpus's by default. */
  vocabulary?: ReadonlySet<string>;
  /** Parent of the temp directory; os.tmpdir() by default. */
  parent?: string;
  /**
   * 'corpus' (default): a trigram model built from the corpus with the directory; 'debian': Debian's
   * general-English en-us.lm.bin (the engine before; kept for comparison, `npm run bench -- asr --lm debian`).
   */
  languageModel?: 'corpus' | 'debian';
}

export async function generateModelDir(opts: GenerateOptions = {}): Promise<GeneratedModel> {
  const model = opts.model ?? debianModel();
  const dir = await mkdtemp(join(opts.parent ?? tmpdir(), 'callguard-ps-'));
  try {
    const hmm = join(dir, 'hmm');
    await mkdir(hmm);
    for (const name of readdirSync(model.hmm)) {
      if (name === 'feat.params') continue;
      await symlink(join(model.hmm, name), join(hmm, name));
    }
    const feat = readFileSync(join(model.hmm, 'feat.params'), 'utf8');
    await writeFile(join(hmm, 'feat.params'), editFeatParams(feat, opts.features ?? TELEPHONE_FEATURES));
    const vocabulary = opts.vocabulary ?? corpusVocabulary();
    // Built at node start (the factory's warm()); no step may hold the event loop long all the same.
    await new Promise((resolve) => setImmediate(resolve));
    const selected = selectDictionary(readFileSync(model.dict, 'utf8'), vocabulary, readFileSync(SUPPLEMENT_DICT, 'utf8'));
    const dict = join(dir, 'telephone.dict');
    await writeFile(dict, selected.text);
    let lm = model.lm;
    if ((opts.languageModel ?? 'corpus') === 'corpus') {
      // The corpus's own trigram model over the words the dictionary can say (language-model.ts).
      const missing = new Set(selected.missing);
      const sayable = new Set([...vocabulary].filter((w) => !missing.has(w)));
      lm = join(dir, 'telephone.lm');
      await writeFile(lm, (await buildLanguageModel(readCorpus(), { vocabulary: sayable })).arpa);
    }
    let removed: Promise<void> | undefined;
    return {
      dir,
      hmm,
      dict,
      lm,
      words: selected.words,
      missing: selected.missing,
      remove: () => (removed ??= rm(dir, { recursive: true, force: true })),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
