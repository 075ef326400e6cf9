/**
 * The offline engine: pocketsphinx continuous decoding on the node itself, no network. One generated
 * model directory (telephone feat.params, the corpus's dictionary) per factory, shared by every
 * stream's process.
 */
import { execFileSync } from 'node:child_process';
import type { Logger } from '../../log.js';
import { silentLogger } from '../../log.js';
import type { Recognizer, RecognizerFactory, RecognizerStartOptions } from '../types.js';
import { debianModel, generateModelDir, modelInstalled, type GeneratedModel, type ModelPaths } from './model-dir.js';
import { OfflineRecognizer } from './offline-recognizer.js';
import { POCKETSPHINX_BINARY } from './pocketsphinx-process.js';

export interface OfflineRecognizerFactoryOptions {
  log?: Logger;
  model?: ModelPaths;
  /** Decoding vocabulary; the corpus's by default (model-dir.ts). */
  vocabulary?: ReadonlySet<string>;
  /** The corpus's own language model (default) or Debian's (model-dir.ts); benchmarks compare them. */
  languageModel?: 'corpus' | 'debian';
  /** More pocketsphinx_continuous arguments, after ours (benchmarks try decoder settings with it). */
  extraArgs?: readonly string[];
  maxRestarts?: number;
}

export class OfflineRecognizerFactory implements RecognizerFactory {
  readonly name = 'offline' as const;
  private generated: Promise<GeneratedModel> | undefined;
  private readonly live = new Set<OfflineRecognizer>();
  private closing: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly opts: OfflineRecognizerFactoryOptions = {}) {
    this.log = opts.log ?? silentLogger();
  }

  /** Whether pocketsphinx_continuous is on PATH and the model is installed. */
  static available(model: ModelPaths = debianModel()): boolean {
    try {
      execFileSync('sh', ['-c', `command -v ${POCKETSPHINX_BINARY}`], { stdio: 'ignore' });
    } catch {
      return false;
    }
    return modelInstalled(model);
  }

  /** The generated model directory (created by warm() at node start, else on first use). */
  model(): Promise<GeneratedModel> {
    return (this.generated ??= generateModelDir({
      ...(this.opts.model ? { model: this.opts.model } : {}),
      ...(this.opts.vocabulary ? { vocabulary: this.opts.vocabulary } : {}),
      ...(this.opts.languageModel ? { languageModel: this.opts.languageModel } : {}),
    }).then((g) => {
      // Counts of our own corpus, not call content: safe to log.
      this.log.info({ words: g.words, withoutPronunciation: g.missing.length }, 'offline speech vocabulary ready');
      return g;
    }));
  }

  async warm(): Promise<void> {
    await this.model();
  }

  async start(opts: RecognizerStartOptions): Promise<Recognizer> {
    if (this.closing) throw new Error('offline recognizer factory is closed');
    const g = await this.model();
    const rec = new OfflineRecognizer({
      ...opts,
      args: [...decoderArgs(g), ...(this.opts.extraArgs ?? [])],
      ...(this.opts.maxRestarts !== undefined ? { maxRestarts: this.opts.maxRestarts } : {}),
      log: this.log,
    });
    this.live.add(rec);
    const close = rec.close.bind(rec);
    rec.close = () => close().finally(() => this.live.delete(rec));
    return rec;
  }

  close(): Promise<void> {
    return (this.closing ??= this.doClose());
  }

  private async doClose(): Promise<void> {
    await Promise.allSettled([...this.live].map((r) => r.close()));
    if (this.generated) {
      const g = await this.generated.catch(() => undefined);
      await g?.remove();
    }
  }
}

/**
 * pocketsphinx_continuous settings: Debian's trigram model over the corpus dictionary, and no
 * second (flat-lexicon) pass, which costs about a third of the CPU for a word error rate 0.3 points
 * better (docs/speech.md). The lattice pass stays: it gives each word its posterior.
 */
export function decoderArgs(g: Pick<GeneratedModel, 'hmm' | 'dict' | 'lm'>): string[] {
  return ['-hmm', g.hmm, '-dict', g.dict, '-lm', g.lm, '-samprate', '16000', '-fwdflat', 'no', '-bestpath', 'yes'];
}
