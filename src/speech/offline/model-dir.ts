/**
 * The telephone model directory, generated at run time: symlinks to the Debian en-us model plus an
 * edited feat.params, and the keyword-spotting file. pocketsphinx reads `feat.params` from the
 * model directory and it silently overrides `-cmninit` and `-upperf` given on the command line
 * (../shared/notes/offline-speech.md), so the only way to change them is a copy of the directory.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
 * first utterance of a stream is not decoded against the wideband mean.
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

/** Word → phone count of its first pronunciation. Variants ("word(2)") are ignored. */
export type PhoneCounts = ReadonlyMap<string, number>;

export function parseDictionary(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    const word = parts[0];
    if (!word || parts.length < 2 || word.includes('(')) continue;
    if (!counts.has(word)) counts.set(word, parts.length - 1);
  }
  return counts;
}

export function loadDictionary(path: string): Map<string, number> {
  return parseDictionary(readFileSync(path, 'utf8'));
}

export interface KwsOptions {
  /** Threshold exponent per phone: a phrase of P phones gets /1e-round(P·perPhone)/. Default 3.5. */
  perPhone?: number;
}

export interface KwsEntry {
  phrase: string;
  phones: number;
  /** N in /1e-N/. */
  exponent: number;
}

export interface KwsPlan {
  entries: KwsEntry[];
  /** Phrases with a word missing from the dictionary, and that word. */
  skipped: { phrase: string; word: string }[];
}

/**
 * Chooses a threshold per phrase from its phone count. Longer phrases need smaller thresholds
 * (more negative exponents): their path score is the product of more per-frame probabilities.
 */
export function planKeywords(phrases: readonly string[], dict: PhoneCounts, opts: KwsOptions = {}): KwsPlan {
  const perPhone = opts.perPhone ?? 3.5;
  const entries: KwsEntry[] = [];
  const skipped: KwsPlan['skipped'] = [];
  const seen = new Set<string>();
  for (const raw of phrases) {
    // Typographic apostrophes would never match the dictionary's ASCII ones ("don't").
    const phrase = raw.toLowerCase().replace(/[\u2018\u2019]/g, "'").trim().replace(/\s+/g, ' ');
    if (!phrase || seen.has(phrase)) continue;
    seen.add(phrase);
    let phones = 0;
    let missing: string | undefined;
    for (const word of phrase.split(' ')) {
      const n = dict.get(word);
      if (n === undefined) {
        missing = word;
        break;
      }
      phones += n;
    }
    if (missing !== undefined) skipped.push({ phrase, word: missing });
    else entries.push({ phrase, phones, exponent: Math.max(1, Math.round(phones * perPhone)) });
  }
  return { entries, skipped };
}

export function kwsFileText(entries: readonly KwsEntry[]): string {
  return entries.map((e) => `${e.phrase} /1e-${e.exponent}/`).join('\n') + '\n';
}

export interface GeneratedModel {
  /** The temp directory holding everything below; removed by remove(). */
  dir: string;
  hmm: string;
  dict: string;
  lm: string;
  kwsFile: string;
  plan: KwsPlan;
  remove(): Promise<void>;
}

export interface GenerateOptions extends KwsOptions {
  phrases: readonly string[];
  model?: ModelPaths;
  features?: TelephoneFeatures;
  /** Parent of the temp directory; os.tmpdir() by default. */
  parent?: string;
}

export async function generateModelDir(opts: GenerateOptions): Promise<GeneratedModel> {
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
    const plan = planKeywords(opts.phrases, loadDictionary(model.dict), opts);
    const kwsFile = join(dir, 'keyphrases.kws');
    await writeFile(kwsFile, kwsFileText(plan.entries));
    let removed: Promise<void> | undefined;
    return {
      dir,
      hmm,
      dict: model.dict,
      lm: model.lm,
      kwsFile,
      plan,
      remove: () => (removed ??= rm(dir, { recursive: true, force: true })),
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
